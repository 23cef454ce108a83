"use strict";
window.harnessStart = performance.now();
/* Filters and lazy drill-downs for report.html. Data comes from the JSON block
   and is only ever put in the page with textContent: container output is text. */
(function () {
  var DATA = JSON.parse(document.getElementById("harness-data").textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll("#matrix tr.row"));
  var engines = Array.prototype.map.call(document.querySelectorAll("#matrix th.eng"),
    function (th) { return th.dataset.engine; });
  var $ = function (id) { return document.getElementById(id); };
  var fText = $("f-text"), fArea = $("f-area"), fVerdict = $("f-verdict"), fEngine = $("f-engine");

  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else if (k === "cls") el.className = attrs[k];
      else el.setAttribute(k, attrs[k]);
    });
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined || c === false) continue;
      el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return el;
  }
  function show(v) {
    if (v === undefined) return "—";
    var flat = JSON.stringify(v);
    return flat.length <= 80 ? flat : JSON.stringify(v, null, 1);
  }
  function link(url) {
    return /^https?:\/\//i.test(url) ? h("a", {href: url, rel: "noopener noreferrer"}, url) : h("span", {}, url);
  }
  function table(head, body) {
    var thead = h("thead", {}, h("tr", {}, ...head.map(function (x) { return h("th", {scope: "col", text: x}); })));
    return h("table", {}, thead, h("tbody", {}, ...body));
  }

  /* ---------- filters ---------- */
  function apply() {
    var text = fText.value.trim().toLowerCase(), area = fArea.value, verdict = fVerdict.value,
      engine = fEngine.value, shown = 0;
    rows.forEach(function (tr) {
      var d = tr.dataset, ok = true;
      if (area && d.area !== area) ok = false;
      if (verdict === "!portable" ? d.verdict === "portable" : verdict && d.verdict !== verdict) ok = false;
      if (engine && (" " + d.engines + " ").indexOf(" " + engine + " ") < 0) ok = false;
      if (text && d.search.indexOf(text) < 0) ok = false;
      tr.hidden = !ok;
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("detail")) next.hidden = !ok;
      if (ok) shown++;
    });
    document.querySelectorAll("#matrix [data-engine]").forEach(function (cell) {
      cell.hidden = !!engine && cell.dataset.engine !== engine;
    });
    document.querySelectorAll(".chip").forEach(function (c) {
      c.classList.toggle("active", c.dataset.verdict === verdict);
      c.setAttribute("aria-pressed", c.dataset.verdict === verdict ? "true" : "false");
    });
    $("f-count").textContent = shown + " of " + rows.length + " scenarios";
    $("f-empty").hidden = shown > 0;
  }
  var timer = null;
  fText.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  [fArea, fVerdict, fEngine].forEach(function (s) { s.addEventListener("change", apply); });
  document.querySelector("form.filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("f-reset").addEventListener("click", function () {
    fText.value = fArea.value = fVerdict.value = fEngine.value = ""; apply();
  });
  document.querySelectorAll(".chip").forEach(function (c) {
    c.addEventListener("click", function () {
      fVerdict.value = fVerdict.value === c.dataset.verdict ? "" : c.dataset.verdict; apply();
    });
  });
  document.querySelectorAll(".area-link").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault(); fArea.value = a.dataset.area; apply(); $("f-text").scrollIntoView();
    });
  });

  /* ---------- drill-down ---------- */
  function section(title) {
    var nodes = Array.prototype.slice.call(arguments, 1).filter(Boolean);
    return nodes.length ? h("div", {cls: "part"}, h("h4", {text: title}), ...nodes) : null;
  }
  function divergences(s) {
    var staleList = s.stale.map(function (kd) {
      return h("div", {cls: "kd stale"}, h("b", {text: "⚠ STALE known divergence — declared but not observed: "}),
        kd.engine + " · " + kd.key + " — " + (kd.why || ""), kd.link ? " " : "", kd.link ? link(kd.link) : null);
    });
    var known = s.known.map(function (kd) {
      return h("div", {cls: "kd"}, h("b", {text: "≈ " + kd.engine + " · " + kd.key + ": "}), kd.why || "",
        kd.link ? " " : "", kd.link ? link(kd.link) : null,
        kd.observed !== undefined && kd.observed !== null ? h("div", {cls: "muted", text: "observed: " + show(kd.observed)}) : null);
    });
    return section("Known divergences", ...staleList, ...known);
  }
  function legsTable(s) {
    if (!s.legs.length) return null;
    return section("Verdict per merged run", table(["run", "verdict", "columns"], s.legs.map(function (l) {
      return h("tr", {}, h("td", {text: l.run}), h("td", {text: l.verdict}), h("td", {text: (l.engines || []).join(", ")}));
    })));
  }
  function differences(s, names) {
    if (!s.differences.length) return null;
    return section("Differences", table(["key"].concat(names), s.differences.map(function (d) {
      return h("tr", {cls: "diff"}, h("td", {}, h("code", {text: d.key})), ...names.map(function (n) {
        return h("td", {}, h("pre", {text: show(d.values[n])}));
      }));
    })));
  }
  function checks(s, names) {
    if (!s.checks.length && !Object.keys(s.expect).length) return null;
    var body = s.checks.map(function (c) {
      var bad = names.some(function (n) { return c[2][n] && !c[2][n][0]; });
      return h("tr", {cls: bad ? "diff" : ""}, h("td", {}, h("code", {text: c[0]})), h("td", {}, h("pre", {text: show(c[1])})),
        ...names.map(function (n) {
          var r = c[2][n];
          if (!r) return h("td", {cls: "muted", text: "—"});
          return h("td", {cls: r[0] ? "good" : "bad"}, h("pre", {text: (r[0] ? "✓ " : "✗ ") + show(r[1])}));
        }));
    });
    return section("Expectations", table(["key", "expected"].concat(names), body));
  }
  function obsValue(row, name) { return row[2] ? row[1][name] : row[1]; }
  function outputs(s, names) {
    var streams = s.obs.filter(function (r) { return /\.(stdout|stderr)$/.test(r[0]); });
    var useful = streams.filter(function (r) {
      return names.some(function (n) { var v = obsValue(r, n); return typeof v === "string" && v !== ""; });
    });
    if (!useful.length) return null;
    var t = table(["stream"].concat(names), useful.map(function (r) {
      return h("tr", {cls: r[2] ? "varies" : ""}, h("td", {}, h("code", {text: r[0]})), ...names.map(function (n) {
        var v = obsValue(r, n);
        return h("td", {}, h("pre", {text: v === undefined ? "—" : String(v)}));
      }));
    }));
    return section("Output (stdout / stderr excerpts)", t);
  }
  function errors(s, names) {
    var items = names.filter(function (n) { return s.engines[n].error || s.engines[n].leftovers.length; })
      .map(function (n) {
        var e = s.engines[n];
        return h("div", {cls: "kd stale"}, h("b", {text: n + ": "}), e.error || "",
          e.leftovers.length ? " leftovers: " + e.leftovers.join(", ") : "");
      });
    return section("Errors", ...items);
  }
  function repro(s) {
    var bins = Object.keys(s.repro);
    if (!bins.length) return null;
    return section("Reproduce by hand", h("div", {cls: "repro"}, ...bins.map(function (b) {
      return h("pre", {text: s.repro[b].join("\n")});
    })), h("p", {cls: "muted", text: "Image names are the scenario's images (built from " + s.file + "); the harness tags them harness-<id>-<image>:<hash>."}));
  }
  function observations(s, names) {
    var diffKeys = {};
    s.differences.forEach(function (d) { diffKeys[d.key] = true; });
    var only = h("input", {type: "checkbox"});
    var body = s.obs.map(function (r) {
      var cls = diffKeys[r[0]] ? "diff" : r[2] ? "varies" : "";
      var cells = r[2] ? names.map(function (n) { return h("td", {}, h("pre", {text: show(r[1][n])})); })
        : [h("td", {colspan: String(names.length), cls: "muted"}, h("pre", {text: show(r[1])}))];
      return h("tr", {cls: cls}, h("td", {}, h("code", {text: r[0]})), ...cells);
    });
    var t = table(["key"].concat(names), body);
    only.addEventListener("change", function () {
      body.forEach(function (tr) { tr.hidden = only.checked && !tr.className; });
    });
    var nDiff = s.obs.filter(function (r) { return r[2]; }).length;
    return h("details", {cls: "part"}, h("summary", {},
      h("b", {text: "All observations"}), " (" + s.obs.length + " keys, " + nDiff + " differ; highlighted rows differ, red ones are compared)"),
      h("label", {}, only, " only differing keys"), t);
  }
  function render(s) {
    var names = Object.keys(s.engines);
    var head = h("div", {}, h("h3", {text: s.title}),
      s.description ? h("p", {cls: "desc", text: s.description}) : null,
      h("p", {cls: "muted"}, h("code", {text: s.id}), " · " + s.file + (s.line ? ":" + s.line : "") + " · " +
        names.map(function (n) { return n + " " + s.engines[n].status + " in " + s.engines[n].duration_s + "s"; }).join(" · ")),
      s.refs.length ? h("p", {}, "Refs: ", ...s.refs.map(function (r, i) { return h("span", {}, i ? " · " : "", link(r)); })) : null);
    return h("div", {}, head, legsTable(s), divergences(s), errors(s, names), differences(s, names), checks(s, names),
      outputs(s, names), repro(s), observations(s, names));
  }
  function toggle(tr, open) {
    var btn = tr.querySelector("button.open"), next = tr.nextElementSibling;
    var isOpen = next && next.classList.contains("detail");
    if (open === undefined) open = !isOpen;
    if (isOpen && !open) next.remove();
    if (!isOpen && open) {
      var td = h("td", {colspan: String(3 + engines.length)}, render(DATA[Number(tr.dataset.i)]));
      tr.after(h("tr", {cls: "detail"}, td));
    }
    btn.setAttribute("aria-expanded", open ? "true" : "false");
  }
  document.getElementById("matrix").addEventListener("click", function (e) {
    var t = e.target;
    if (t.closest("tr.detail") || t.closest("a")) return;
    var tr = t.closest("tr.row");
    if (tr) toggle(tr);
  });
  function openFromHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var tr = id && document.getElementById(id);
    if (tr && tr.classList.contains("row")) { toggle(tr, true); tr.scrollIntoView(); }
  }
  window.addEventListener("hashchange", openFromHash);
  /* drift rows link to their scenario's row: shown whatever the filters, then opened */
  document.querySelectorAll(".row-link").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      var tr = document.getElementById(a.dataset.row);
      if (!tr) return;
      if (tr.hidden) { fText.value = fArea.value = fVerdict.value = fEngine.value = ""; apply(); }
      if (decodeURIComponent(location.hash.slice(1)) === a.dataset.row) openFromHash();
      else location.hash = encodeURIComponent(a.dataset.row);
    });
  });
  openFromHash();
  apply();
  window.harnessReady = performance.now();
})();
