#!/usr/bin/env bash
# Version surfaces: newer engines from Debian's own archive, beside the host's engines.
#
#   scripts/versions.sh setup SURFACE...      build or refresh the trees (idempotent)
#   scripts/versions.sh start SURFACE...      start the engines (no-op when running)
#   scripts/versions.sh stop [SURFACE...]     stop them: processes by PID, namespaces go
#   scripts/versions.sh status [--json]       what is set up, running, answering
#   scripts/versions.sh cli SURFACE -- ARGS   that surface's own CLI, inside its namespaces
#   scripts/versions.sh pids SURFACE          every process of the surface (what stop ends)
#
# Each surface is a debootstrap tree that becomes the real root of a private mount
# namespace (pivot_root: in a chroot, exec and healthchecks would run in the host's root)
# with its own network namespace (only lo: no route out; its bridges, subnets and
# firewall tables live and die there). Shared with the host: the API socket, through a
# per-surface directory, and the harness's scratch directory SHARED at the same path on
# both sides (scenario files the surface's CLI reads, binds of `{{ tmp }}`). See
# docs/versions.md.
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
VERSIONS_DIR="${HARNESS_VERSIONS_DIR:-/var/lib/harness/versions}"
RUN_DIR="${HARNESS_VERSIONS_RUN:-/run/harness/versions}"
APT_OPTS=(-o DPkg::Lock::Timeout=600 -o APT::Install-Recommends=false -q -y)
# Inside the surface: where the per-surface host directory with the API socket appears.
API_DIR_IN=/run/harness-api
# The harness's scratch for surface runs: the same path on the host and in every surface.
SHARED="${HARNESS_VERSIONS_SHARED:-/var/tmp/harness-shared}"

log() { printf 'versions: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# --- surface catalogue: engine, suite, packages, expected version prefix, subnets ---
KNOWN_SURFACES=("podman@5.4" "docker@26.1")
surface_engine() { printf '%s' "${1%@*}"; }
surface_slug() { printf '%s' "${1//@/-}"; }
surface_suite() {
  case "$1" in podman@5.4|docker@26.1) echo trixie ;; *) return 1 ;; esac
}
surface_packages() {
  case "$1" in
    podman@5.4) echo podman runc conmon netavark aardvark-dns catatonit nftables podman-compose ;;
    # procps: dockerd runs the host's ps for `docker top` (a real Debian 13 host has it).
    docker@26.1) echo docker.io docker-cli containerd runc tini iptables docker-compose procps ;;
    *) return 1 ;;
  esac
}
# The default network keeps the engine's stock subnet (Podman 10.88.0.0/16, Docker's
# docker0 172.17.0.1/16, which Docker would take from a stock pool): scenarios observe it
# (netconf.default-subnet), and in the surface's own network namespace it meets nothing
# of the host's. User networks come from subnets no engine of the host uses, the
# benchmarking range 198.18.0.0/15, one half per surface, so the leak test can tell
# their addresses and firewall rules from the host's.
surface_net() {
  case "$1" in
    podman@5.4) echo "10.88.0.0/16 198.18.128.0/17" ;;
    docker@26.1) echo "172.17.0.1/16 198.19.128.0/17" ;;
    *) return 1 ;;
  esac
}
check_surface() {
  surface_suite "$1" >/dev/null || die "unknown surface $1 (known: ${KNOWN_SURFACES[*]})"
}

tree_of() { printf '%s/%s/root' "$VERSIONS_DIR" "$1"; }
pidfile_of() { printf '%s/%s.pid' "$RUN_DIR" "$(surface_slug "$1")"; }
sock_of() { printf '%s/%s.sock' "$RUN_DIR" "$(surface_slug "$1")"; }
wrapper_of() { printf '%s/bin/%s' "$RUN_DIR" "$(surface_slug "$1")"; }
# The surface's network namespace, bound to a file like `ip netns add` does: the engine's
# own /proc/PID/ns/net is not reliable (Podman 5.4's main thread ends up in a container's
# netns once it has set one up).
netns_of() { printf '%s/netns/%s' "$RUN_DIR" "$(surface_slug "$1")"; }

# Records why a surface cannot be used (status --json shows it), then fails. Reasons stay
# generic: logs may name the archive mirror, this file may end up in a report.
unavailable() {
  local s="$1"; shift
  mkdir -p "$VERSIONS_DIR/$s"
  printf '%s\n' "$*" > "$VERSIONS_DIR/$s/unavailable"
  die "$s: $*"
}

need_root() { [ "$(id -u)" = 0 ] || die "needs root"; }

# The archive mirror this host's apt already uses (never written into the project).
host_mirror() {
  # The first URI of the Debian archive itself (.../debian), in deb822 or one-line form;
  # third-party and security repositories do not carry trixie's engines.
  local uri
  uri="$( { cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
              | awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }'
            cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
              | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; break } }'
          } | grep -E '/debian/?$' | head -n1 || true)"
  [ -n "$uri" ] || die "no Debian archive in /etc/apt/sources.list(.d)"
  printf '%s' "$uri"
}

# Refuses to delete a directory with anything mounted under it (a killed debootstrap
# can leave /proc or a bind of /dev there).
safe_rmtree() {
  local dir="$1" m
  [ -e "$dir" ] || return 0
  for m in $(findmnt -rn -o TARGET | grep -F "$dir" | sort -r); do umount -l "$m" || true; done
  if findmnt -rn -o TARGET | grep -qF "$dir"; then die "still mounted under $dir"; fi
  rm -rf --one-file-system "$dir"
}

# Runs a command chrooted in the tree, in a private mount namespace that dies with it:
# /proc for the maintainer scripts, and the host's resolv.conf for apt only.
in_tree() {
  local tree="$1"; shift
  unshare -m --propagation private -- /bin/sh -c '
    t="$1"; shift
    mount -t proc proc "$t/proc"
    mount --bind /etc/resolv.conf "$t/etc/resolv.conf"
    exec chroot "$t" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' sh "$tree" "$@"
}

missing_packages() {
  local tree="$1" p absent=()
  shift
  for p in "$@"; do
    chroot "$tree" dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed \
      || absent+=("$p")
  done
  printf '%s\n' "${absent[@]}"
}

write_tree_config() {
  local s="$1" tree="$2"
  # No service may start while packages install (docker.io's postinst would start a
  # dockerd with default paths in the host's namespaces).
  printf '#!/bin/sh\nexit 101\n' > "$tree/usr/sbin/policy-rc.d"
  chmod 755 "$tree/usr/sbin/policy-rc.d"
  # Offline: only a loopback resolver, in a netns whose loopback answers nothing; 0.0.0.0
  # (routed to lo) like the host engines' offline resolv.conf (setup.sh), so containers on
  # the default network see the same nameserver line as on the host's engines.
  rm -f "$tree/etc/resolv.conf"
  printf 'nameserver 0.0.0.0\n' > "$tree/etc/resolv.conf"
  printf '127.0.0.1 localhost\n::1 localhost\n' > "$tree/etc/hosts"
  mkdir -p "$tree/etc/harness" "$tree/var/tmp/harness"
  if [ "$(surface_engine "$s")" = podman ]; then write_podman_conf "$s" "$tree"; fi
}

write_podman_conf() {
  local s="$1" tree="$2" subnet pool
  read -r subnet pool < <(surface_net "$s")
  # The same harness settings as the host's Podman (runc, cgroupfs, ulimits, capabilities,
  # and setup.sh's offline dns_servers line unless HARNESS_OFFLINE=0), so the two Podman
  # columns differ by version only; plus this surface's subnets.
  local dns=""
  [ "${HARNESS_OFFLINE:-1}" = 1 ] && dns='dns_servers = ["127.0.0.1"]'
  { sed "s|^#OFFLINE_DNS#|$dns|" "$ROOT/scripts/containers.conf"
    printf '\n[network]\ndefault_subnet = "%s"\n' "$subnet"
    printf 'default_subnet_pools = [{"base" = "%s", "size" = 24}]\n' "$pool"
  } > "$tree/etc/harness/containers.conf"
  printf 'unqualified-search-registries = []\n' > "$tree/etc/harness/registries.conf"
}

write_versions_json() {
  local s="$1" tree="$2" out="$VERSIONS_DIR/$1/versions.json" p v first=1
  {
    printf '{\n  "surface": "%s",\n  "engine": "%s",\n  "suite": "%s",\n  "packages": {' \
      "$s" "$(surface_engine "$s")" "$(surface_suite "$s")"
    for p in $(surface_packages "$s") libc6; do
      v="$(chroot "$tree" dpkg-query -W -f '${Version}' "$p" 2>/dev/null || true)"
      [ "$first" = 1 ] || printf ','
      printf '\n    "%s": "%s"' "$p" "$v"; first=0
    done
    printf '\n  }\n}\n'
  } > "$out.tmp"
  mv "$out.tmp" "$out"
}

setup_one() {
  local s="$1" dir tree suite t0 pkgs missing
  check_surface "$s"; need_root
  t0=$(date +%s)
  dir="$VERSIONS_DIR/$s"; tree="$(tree_of "$s")"; suite="$(surface_suite "$s")"
  mkdir -p "$dir"
  if [ ! -e "$tree/.harness-base" ]; then
    command -v debootstrap >/dev/null 2>&1 || apt-get "${APT_OPTS[@]}" install debootstrap >/dev/null \
      || { apt-get "${APT_OPTS[@]}" update >/dev/null && apt-get "${APT_OPTS[@]}" install debootstrap >/dev/null; } \
      || unavailable "$s" "debootstrap is missing and apt-get could not install it"
    [ -e "/usr/share/debootstrap/scripts/$suite" ] \
      || unavailable "$s" "this host's debootstrap has no $suite script"
    log "$s: debootstrap --variant=minbase $suite (log: $dir/debootstrap.log)"
    safe_rmtree "$tree.partial"
    debootstrap --variant=minbase "$suite" "$tree.partial" "${HARNESS_VERSIONS_MIRROR:-$(host_mirror)}" \
      >"$dir/debootstrap.log" 2>&1 || unavailable "$s" "debootstrap $suite failed (archive unreachable?): $dir/debootstrap.log"
    touch "$tree.partial/.harness-base"
    mv "$tree.partial" "$tree"
  fi
  write_tree_config "$s" "$tree"
  read -r -a pkgs <<<"$(surface_packages "$s")"
  missing="$(missing_packages "$tree" "${pkgs[@]}" | xargs)"
  if [ -n "$missing" ]; then
    log "$s: installing $missing (log: $dir/apt.log)"
    { in_tree "$tree" apt-get "${APT_OPTS[@]}" update \
        && in_tree "$tree" apt-get "${APT_OPTS[@]}" install "${pkgs[@]}"; } >"$dir/apt.log" 2>&1 \
      || unavailable "$s" "installing the engine packages failed: $dir/apt.log"
    in_tree "$tree" apt-get clean
    rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin
  fi
  write_versions_json "$s" "$tree"
  rm -f "$dir/unavailable"
  log "$s: ready in $(( $(date +%s) - t0 )) s, $(du -sxh "$tree" | cut -f1) ($dir/versions.json)"
}

# --- running surfaces ---
alive_pid() {  # the recorded PID, when that process still is this surface's engine
  local s="$1" pf pid
  pf="$(pidfile_of "$s")"
  [ -s "$pf" ] || return 1
  pid="$(cat "$pf")"
  [ -d "/proc/$pid" ] || return 1
  [ "$(cat "$RUN_DIR/$(surface_slug "$s").mntns" 2>/dev/null)" = "$(readlink "/proc/$pid/ns/mnt")" ] \
    || return 1
  printf '%s' "$pid"
}

pings() { curl -sf -m 5 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

engine_command() {
  local s="$1" subnet pool
  read -r subnet pool < <(surface_net "$s")
  case "$(surface_engine "$s")" in
    podman)
      echo env PODMAN_IGNORE_CGROUPSV1_WARNING=1 CONTAINERS_CONF=/etc/harness/containers.conf \
        CONTAINERS_REGISTRIES_CONF=/etc/harness/registries.conf \
        podman system service --time=0 "unix://$API_DIR_IN/api.sock" ;;
    docker)
      echo dockerd --data-root /var/lib/docker --exec-root /run/docker --pidfile /run/docker.pid \
        -H "unix://$API_DIR_IN/api.sock" --bip "$subnet" \
        --default-address-pool "base=$pool,size=24" --dns 0.0.0.0 \
        --cgroup-parent "/harness-$(surface_slug "$s")" ;;
  esac
}

# Runs as the PID of the engine-to-be, already in the surface's network namespace and a
# new private mount namespace: builds the root, pivots into the tree, execs the engine.
# Any failed step ends it (set -e) before the engine starts.
surface_init() {
  local s="$1" tree slug n
  tree="$(tree_of "$s")"; slug="$(surface_slug "$s")"
  echo $$ > "$RUN_DIR/$slug.pid.new"
  mount --bind "$tree" "$tree"
  mount -t proc proc "$tree/proc"
  mount -t sysfs sysfs "$tree/sys"          # shows this netns's devices
  mount --rbind /sys/fs/cgroup "$tree/sys/fs/cgroup"
  mount -t tmpfs -o mode=755,nosuid dev "$tree/dev"
  for n in null zero full random urandom tty; do
    touch "$tree/dev/$n"; mount --bind "/dev/$n" "$tree/dev/$n"
  done
  mkdir -p "$tree/dev/pts" "$tree/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$tree/dev/pts"
  ln -s pts/ptmx "$tree/dev/ptmx"
  ln -s /proc/self/fd "$tree/dev/fd"
  mount -t tmpfs -o mode=1777 shm "$tree/dev/shm"
  mount -t tmpfs -o mode=755 run "$tree/run"
  mount -t tmpfs -o mode=1777 tmp "$tree/tmp"
  mkdir -p "$tree$API_DIR_IN" "$tree/.oldroot" "$SHARED" "$tree$SHARED"
  mount --bind "$RUN_DIR/$slug" "$tree$API_DIR_IN"
  mount --bind "$SHARED" "$tree$SHARED"
  cd "$tree"
  pivot_root . .oldroot
  # From here on, every path is the tree's.
  # shellcheck disable=SC2046
  exec /bin/sh -c 'umount -l /.oldroot && rmdir /.oldroot && cd /run && exec "$@"' sh \
    $(engine_command "$s")
}

write_wrapper() {  # the surface's CLI, and its compose tool beside it (`-compose`)
  local s="$1" w bin env compose
  w="$(wrapper_of "$s")"
  case "$(surface_engine "$s")" in
    podman) bin=/usr/bin/podman
      env="PODMAN_IGNORE_CGROUPSV1_WARNING=1 CONTAINERS_CONF=/etc/harness/containers.conf"
      env="$env CONTAINERS_REGISTRIES_CONF=/etc/harness/registries.conf"
      # podman-compose drives podman-remote against the service, as on the host.
      compose="CONTAINER_HOST=unix://$API_DIR_IN/api.sock /usr/bin/podman-compose" ;;
    docker) bin=/usr/bin/docker; env="DOCKER_HOST=unix://$API_DIR_IN/api.sock"
      compose="/usr/bin/docker compose" ;;
  esac
  mkdir -p "$(dirname "$w")"
  wrapper_script "$s" "CLI" "$env $bin" > "$w.tmp"
  wrapper_script "$s" "compose tool" "$env $compose" > "$w-compose.tmp"
  chmod 755 "$w.tmp" "$w-compose.tmp"; mv "$w.tmp" "$w"; mv "$w-compose.tmp" "$w-compose"
}

wrapper_script() {  # SURFACE WHAT COMMAND: a script running COMMAND in the surface
  local s="$1" what="$2" cmd="$3"
  cat <<EOF
#!/bin/sh
# $s's own $what, run in its mount and network namespaces (generated by scripts/versions.sh).
# A working directory inside the tree carries over (/var/tmp/harness is shared that way),
# and one in the shared scratch $SHARED, which is the same path on both sides.
pid=\$(cat "$(pidfile_of "$s")" 2>/dev/null) || { echo "$s is not running" >&2; exit 125; }
case "\$PWD/" in
  "$(tree_of "$s")"/*) wd="\${PWD#"$(tree_of "$s")"}" ;;
  "$SHARED"/*) wd="\$PWD" ;;
  *) wd=/ ;;
esac
exec nsenter -t "\$pid" -m --net="$(netns_of "$s")" --wdns="\${wd:-/}" -- /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \\
  HOME=/root TERM="\${TERM:-dumb}" $cmd "\$@"
EOF
}

# A new network namespace with only lo up, bound to netns_of. unshare refuses to bind it
# under a shared mount (systemd hosts): then RUN_DIR/netns becomes a private bind mount
# of itself first, as `ip netns add` does with /run/netns.
make_netns() {
  local f dir
  f="$(netns_of "$1")"; dir="$(dirname "$f")"
  mkdir -p "$dir"; touch "$f"
  if ! unshare --net="$f" true 2>/dev/null; then
    findmnt -n "$dir" >/dev/null || mount --bind "$dir" "$dir"
    mount --make-private "$dir"
    unshare --net="$f" true || unavailable "$1" "cannot bind a network namespace at $f"
  fi
  nsenter --net="$f" ip link set lo up
}

start_one() {
  local s="$1" slug pid t0
  check_surface "$s"; need_root
  slug="$(surface_slug "$s")"
  if pid="$(alive_pid "$s")"; then log "$s: already running (pid $pid)"; write_wrapper "$s"; return 0; fi
  [ -s "$VERSIONS_DIR/$s/versions.json" ] || die "$s: not set up (scripts/versions.sh setup $s)"
  unshare -m -n --propagation private true 2>/dev/null \
    || unavailable "$s" "this host does not allow new mount and network namespaces (unshare -m -n)"
  stop_one "$s" quiet   # leftovers of a crashed run
  make_netns "$s"
  mkdir -p "$RUN_DIR/$slug"
  rm -f "$RUN_DIR/$slug/api.sock" "$RUN_DIR/$slug.pid.new"
  ln -sfn "$slug/api.sock" "$(sock_of "$s")"
  t0=$(date +%s%N)
  # nsenter/unshare exec (no fork), so the engine keeps the PID surface_init records.
  (cd / && exec 9>&- && exec nohup nsenter --net="$(netns_of "$s")" -- \
     unshare -m --propagation private -- bash "$SELF" _init "$s" >"$VERSIONS_DIR/$s/engine.log" 2>&1 </dev/null) &
  for _ in $(seq 1 240); do
    if [ -z "${pid:-}" ] && [ -s "$RUN_DIR/$slug.pid.new" ]; then
      pid="$(cat "$RUN_DIR/$slug.pid.new")"
      record_namespaces "$slug" "$pid" || break
    fi
    pings "$(sock_of "$s")" && break
    [ -z "${pid:-}" ] || [ -d "/proc/$pid" ] || break   # it died: engine.log says why
    sleep 0.25
  done
  if ! pings "$(sock_of "$s")"; then
    stop_one "$s" quiet
    unavailable "$s" "the engine did not start or answer within 60 s: $VERSIONS_DIR/$s/engine.log"
  fi
  rm -f "$VERSIONS_DIR/$s/unavailable"
  mv "$RUN_DIR/$slug.pid.new" "$(pidfile_of "$s")"
  write_wrapper "$s"
  write_state "$s" "$pid"
  log "$s: answering on $(sock_of "$s") after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $pid)"
}

# Whether a namespace id (mnt:[N]) is the one this script or PID 1 runs in.
is_host_ns() {
  local id="$1" kind="$2" ref
  [ -n "$id" ] || return 1
  for ref in "$(readlink "/proc/$$/ns/$kind")" "$(readlink "/proc/1/ns/$kind" 2>/dev/null || true)"; do
    [ -n "$ref" ] && [ "$id" = "$ref" ] && return 0
  done
  return 1
}

# Recorded as soon as the engine-to-be wrote its PID (after unshare), so a failed start
# can still be stopped. Never the host's own namespaces: stop kills by them.
record_namespaces() {
  local slug="$1" pid="$2" mnt net
  mnt="$(readlink "/proc/$pid/ns/mnt" 2>/dev/null || true)"
  net="$(readlink "/proc/$pid/ns/net" 2>/dev/null || true)"
  [ -n "$mnt" ] && [ -n "$net" ] || return 1   # it has already ended
  if is_host_ns "$mnt" mnt || is_host_ns "$net" net; then
    die "pid $pid is in the host's namespaces: refusing to record them"
  fi
  echo "$mnt" > "$RUN_DIR/$slug.mntns"; echo "$net" > "$RUN_DIR/$slug.netns"
}

write_state() {  # what an adapter needs: socket, netns path, CLI, versions
  local s="$1" pid="$2" f
  f="$RUN_DIR/$(surface_slug "$s").json"
  printf '{"surface": "%s", "engine": "%s", "pid": %s, "socket": "%s", "netns": "%s", "cli": "%s", "versions": "%s", "shared": "%s"}\n' \
    "$s" "$(surface_engine "$s")" "$pid" "$(sock_of "$s")" "$(netns_of "$s")" \
    "$(wrapper_of "$s")" "$VERSIONS_DIR/$s/versions.json" "$SHARED" > "$f.tmp"
  mv "$f.tmp" "$f"
}

# Every process of the surface: those in its mount or network namespace (engine,
# containerd, shims, conmon, CLI calls) and all their descendants (containers).
surface_pids() {
  local mnt="$1" net="$2" seeds=() all
  # Guard: never the host's own namespaces.
  if is_host_ns "$mnt" mnt || is_host_ns "$net" net; then die "refusing: those are the host's namespaces"; fi
  # One stat for all processes: the namespace files' inodes are the namespace ids.
  read -r -a seeds <<<"$(stat -L -c '%i %n' /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/net 2>/dev/null \
    | awk -v m="${mnt//[^0-9]/}" -v n="${net//[^0-9]/}" '
        ($1 == m && $2 ~ /mnt$/) || ($1 == n && $2 ~ /net$/) { split($2, a, "/"); print a[3] }' \
    | sort -u | xargs)"
  [ "${#seeds[@]}" -gt 0 ] || return 0
  all="$(ps -e -o pid=,ppid= | awk -v s="${seeds[*]}" '
    BEGIN { n = split(s, a, " "); for (i = 1; i <= n; i++) keep[a[i]] = 1 }
    { parent[$1] = $2 }
    END { do { grew = 0; for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 } } while (grew)
          for (p in keep) print p }')"
  printf '%s\n' "$all" | grep -vx "$$" || true
}

stop_one() {
  local s="$1" quiet="${2:-}" slug mnt net pid pids
  check_surface "$s"; need_root
  slug="$(surface_slug "$s")"
  mnt="$(cat "$RUN_DIR/$slug.mntns" 2>/dev/null || true)"
  net="$(cat "$RUN_DIR/$slug.netns" 2>/dev/null || true)"
  pid="$(cat "$(pidfile_of "$s")" "$RUN_DIR/$slug.pid.new" 2>/dev/null | head -n1 || true)"
  if is_host_ns "$mnt" mnt || is_host_ns "$net" net; then
    die "$s: the recorded namespaces are the host's: not stopping by them"
  fi
  # A recorded namespace id is trusted only while something pins it: the kernel reuses
  # the ids of ended namespaces (a stale mnt id once matched the host Podman service's
  # private mount namespace, and stopping by it killed that service). The mount namespace
  # is pinned by the live engine PID, the network namespace by its bind mount.
  if [ -z "$pid" ] || [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" != "$mnt" ]; then mnt=""; fi
  if [ -n "$net" ] && [ "net:[$(stat -L -c %i "$(netns_of "$s")" 2>/dev/null)]" != "$net" ]; then net=""; fi
  if [ -n "$mnt$net" ]; then
    # The engine first, so dockerd stops its containers and containerd itself.
    if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$mnt" ]; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 80); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
    fi
    for sig in TERM KILL KILL KILL; do
      pids="$(surface_pids "$mnt" "$net" | xargs)"
      [ -n "$pids" ] || break
      # shellcheck disable=SC2086
      kill -"$sig" $pids 2>/dev/null || true
      for _ in $(seq 1 12); do
        [ -n "$(surface_pids "$mnt" "$net")" ] || break; sleep 0.25
      done
    done
    [ -z "$(surface_pids "$mnt" "$net")" ] || die "$s: processes left: $(surface_pids "$mnt" "$net" | xargs)"
    [ -n "$quiet" ] || log "$s: stopped (pid ${pid:-?}); its namespaces end with its processes"
  elif [ -z "$quiet" ]; then
    log "$s: not running"
  fi
  # Its last reference: unbinding the file ends the namespace, its bridges and firewall.
  if findmnt -rn -o TARGET | grep -qxF "$(netns_of "$s")"; then umount "$(netns_of "$s")"; fi
  rm -f "$(netns_of "$s")"
  rm -f "$RUN_DIR/$slug.pid" "$RUN_DIR/$slug.pid.new" "$RUN_DIR/$slug.mntns" "$RUN_DIR/$slug.netns" \
    "$RUN_DIR/$slug.json" "$RUN_DIR/$slug.sock" "$RUN_DIR/$slug/api.sock" "$(wrapper_of "$s")" \
    "$(wrapper_of "$s")-compose"
  rmdir "$RUN_DIR/$slug" 2>/dev/null || true
}

status_reason() {  # empty when the surface answers
  local s="$1" set_up="$2" running="$3" answering="$4"
  if [ "$answering" = true ]; then return 0; fi
  if [ -s "$VERSIONS_DIR/$s/unavailable" ]; then head -n1 "$VERSIONS_DIR/$s/unavailable"; return 0; fi
  if [ "$set_up" != true ]; then echo "not set up: scripts/versions.sh setup $s"; return 0; fi
  if [ "$running" != true ]; then echo "not running: scripts/versions.sh start $s"; return 0; fi
  echo "running but not answering: $VERSIONS_DIR/$s/engine.log"
}

status() {
  local json="${1:-}" s set_up running answering pid reason first=1
  [ "$json" = --json ] && printf '['
  for s in "${KNOWN_SURFACES[@]}"; do
    set_up=false; running=false; answering=false; pid=null
    [ -s "$VERSIONS_DIR/$s/versions.json" ] && set_up=true
    if p="$(alive_pid "$s")"; then running=true; pid="$p"; fi
    pings "$(sock_of "$s")" && answering=true
    reason="$(status_reason "$s" "$set_up" "$running" "$answering")"
    if [ "$json" = --json ]; then
      [ "$first" = 1 ] || printf ','
      first=0
      printf '\n {"surface": "%s", "engine": "%s", "set_up": %s, "running": %s, "answering": %s, ' \
        "$s" "$(surface_engine "$s")" "$set_up" "$running" "$answering"
      printf '"pid": %s, "reason": "%s", ' "$pid" "${reason//\"/\'}"
      printf '"socket": "%s", "netns": %s, "cli": "%s", "versions": %s}' "$(sock_of "$s")" \
        "$([ "$pid" = null ] && echo null || echo "\"$(netns_of "$s")\"")" "$(wrapper_of "$s")" \
        "$([ "$set_up" = true ] && tr -d '\n' < "$VERSIONS_DIR/$s/versions.json" || echo null)"
    else
      printf '%-12s set_up=%-5s running=%-5s answering=%-5s pid=%s socket=%s\n' \
        "$s" "$set_up" "$running" "$answering" "$pid" "$(sock_of "$s")"
    fi
  done
  [ "$json" = --json ] && printf '\n]\n'
  return 0
}

# One setup/start/stop at a time (parallel test workers, a second shell): the engine
# itself must not inherit the lock's descriptor (start closes it).
take_lock() {
  need_root; mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  flock -w 900 9 || die "another scripts/versions.sh still holds $RUN_DIR/.lock"
}

main() {
  local cmd="${1:-}" s
  [ $# -gt 0 ] && shift
  case "$cmd" in setup|start|stop) take_lock ;; esac
  case "$cmd" in
    setup) [ $# -gt 0 ] || die "setup SURFACE..."; for s in "$@"; do setup_one "$s"; done ;;
    start) [ $# -gt 0 ] || die "start SURFACE..."; mkdir -p "$RUN_DIR"
      for s in "$@"; do start_one "$s"; done ;;
    stop) [ $# -gt 0 ] || set -- "${KNOWN_SURFACES[@]}"; for s in "$@"; do stop_one "$s"; done ;;
    status) status "${1:-}" ;;
    cli) s="${1:-}"; check_surface "$s"; shift; [ "${1:-}" = -- ] && shift
      [ -x "$(wrapper_of "$s")" ] || die "$s is not running"
      exec "$(wrapper_of "$s")" "$@" ;;
    pids) s="${1:-}"; check_surface "$s"; s="$(surface_slug "$s")"
      [ -s "$RUN_DIR/$s.mntns" ] || die "${1:-} is not running"
      surface_pids "$(cat "$RUN_DIR/$s.mntns")" "$(cat "$RUN_DIR/$s.netns")" | sort -n ;;
    _init) surface_init "$1" ;;
    *) sed -n '2,9p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
