#!/usr/bin/env bash
# CI on Debian 13 from a Debian 12 machine: a trixie root filesystem acts as the host.
#
#   scripts/debian13-ci.sh setup            build or refresh the trixie tree (idempotent)
#   scripts/debian13-ci.sh run [-- CMD...]  fresh clone of the branch, install, then CMD
#                                           (default: bash .ci/run) offline in the tree
#   scripts/debian13-ci.sh stop             end a running sandbox: its PID namespace dies
#   scripts/debian13-ci.sh status           set up? running? last result?
#   scripts/debian13-ci.sh clean            stop, unmount, delete the tree
#
# Two phases per run, each a sandbox whose root IS the tree (pivot_root: in a chroot,
# exec and healthchecks would run in the host's root, see docs/versions.md) with its own
# mount, PID, UTS and IPC namespaces:
#   1. install: the host's network (archive, PyPI), a policy-rc.d that exits 101 so no
#      package starts a service, `setup.sh --install-only` (packages, .venv);
#   2. run: its own network namespace (only lo, no route out), where setup.sh starts
#      dockerd, the Podman service and the registry like on any Debian 13 machine.
# Stop kills the sandbox's PID 1 (the kernel then ends every process of that namespace);
# it never signals anything outside the recorded namespace, and refuses the host's.
# See "CI on Debian 13" in docs/versions.md.
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
ROOT="$(cd "$(dirname "$SELF")/.." && pwd)"
DIR="${HARNESS_DEB13_DIR:-/var/lib/harness/deb13}"
TREE="$DIR/root"
RUN_DIR="${HARNESS_DEB13_RUN:-/run/harness/deb13}"
NETNS="$RUN_DIR/netns/ci"
CLONE_IN=/root/ci/harness
SUITE=trixie
BASE_PKGS=(git ca-certificates)   # what a CI machine has before it clones
APT_OPTS=(-o DPkg::Lock::Timeout=600 -q -y)

log() { printf 'debian13-ci: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "needs root"; }

# --- the tree ---
host_mirror() {  # the host's Debian archive (as scripts/versions.sh); never committed
  bash -c 'source <(sed -n "/^host_mirror()/,/^}/p" "$1"); die() { echo "$*" >&2; exit 1; }; host_mirror' \
    _ "$ROOT/scripts/versions.sh"
}

safe_rmtree() {  # refuses while anything is mounted below it
  local dir="$1" m
  [ -e "$dir" ] || return 0
  for m in $(findmnt -rn -o TARGET | grep -F "$dir" | sort -r); do umount -l "$m" || true; done
  if findmnt -rn -o TARGET | grep -qF "$dir"; then die "still mounted under $dir"; fi
  rm -rf --one-file-system "$dir"
}

write_host_config() {  # what makes the tree a machine: name, hosts, resolver
  echo deb13 > "$TREE/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\tdeb13\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    > "$TREE/etc/hosts.new"
  # setup.sh appends its offline lines; keep them across a refresh.
  grep -E '^127\.0\.0\.1[[:space:]]+[a-z0-9.-]+\.(io|org|com)$' "$TREE/etc/hosts" >> "$TREE/etc/hosts.new" 2>/dev/null || true
  mv "$TREE/etc/hosts.new" "$TREE/etc/hosts"
  # The host's resolver, as a machine of this kind has; phase 2 has no route to it.
  rm -f "$TREE/etc/resolv.conf"; cp /etc/resolv.conf "$TREE/etc/resolv.conf"
  for d in /etc/pip.conf /etc/xdg/pip /root/.config/pip /opt/wheels /opt/pypi /opt/pypi-more; do
    [ -e "$d" ] || continue
    if [ -d "$d" ]; then mkdir -p "$TREE$d"; else mkdir -p "$(dirname "$TREE$d")"; touch "$TREE$d"; fi
  done
}

# Certificates this host added to its store (a proxy's CA, say), not Debian's: a machine of
# this kind has them in its own store, so apt, git and pip in the tree trust them too.
host_extra_cas() {
  local dest="$TREE/usr/local/share/ca-certificates/harness-host"
  rm -rf "$dest"; mkdir -p "$dest"
  python3 - /etc/ssl/certs/ca-certificates.crt /usr/share/ca-certificates "$dest" <<'PY'
import pathlib, re, sys
pem = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)
debian = {m.group(0) for f in pathlib.Path(sys.argv[2]).rglob("*.crt") for m in pem.finditer(f.read_text())}
for i, cert in enumerate(c for c in pem.findall(pathlib.Path(sys.argv[1]).read_text()) if c not in debian):
    pathlib.Path(sys.argv[3], f"host-{i}.crt").write_text(cert + "\n")
PY
}

setup() {
  local t0 missing p
  need_root; t0=$(date +%s)
  mkdir -p "$DIR/logs"
  if [ ! -e "$TREE/.harness-base" ]; then
    command -v debootstrap >/dev/null 2>&1 || apt-get "${APT_OPTS[@]}" install debootstrap >/dev/null
    [ -e "/usr/share/debootstrap/scripts/$SUITE" ] || die "this host's debootstrap has no $SUITE script"
    log "debootstrap --variant=minbase $SUITE (log: $DIR/logs/debootstrap.log)"
    safe_rmtree "$TREE.partial"
    debootstrap --variant=minbase "$SUITE" "$TREE.partial" "${HARNESS_VERSIONS_MIRROR:-$(host_mirror)}" \
      >"$DIR/logs/debootstrap.log" 2>&1 || die "debootstrap failed: $DIR/logs/debootstrap.log"
    touch "$TREE.partial/.harness-base"
    mv "$TREE.partial" "$TREE"
  fi
  write_host_config
  missing=()
  for p in "${BASE_PKGS[@]}"; do
    chroot "$TREE" dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]} (log: $DIR/logs/apt.log)"
    sandbox install -- sh -c "apt-get ${APT_OPTS[*]} update && apt-get ${APT_OPTS[*]} install ${missing[*]}" \
      >"$DIR/logs/apt.log" 2>&1 || die "apt-get failed: $DIR/logs/apt.log"
  fi
  host_extra_cas
  sandbox install -- update-ca-certificates >>"$DIR/logs/apt.log" 2>&1 \
    || die "update-ca-certificates failed: $DIR/logs/apt.log"
  log "tree ready in $(( $(date +%s) - t0 )) s, $(du -sxh "$TREE" | cut -f1): $TREE"
}

# --- sandboxes ---
# sandbox MODE [--log FILE] -- CMD...: CMD as a child of the sandbox's PID 1, root = tree.
# MODE install: host network, apt may fetch; MODE run: own network namespace.
sandbox() {
  local mode="$1" net=()
  shift; [ "${1:-}" = -- ] && shift
  mkdir -p "$RUN_DIR"
  if [ "$mode" = run ]; then make_netns; net=(nsenter "--net=$NETNS" --); fi
  rm -f "$RUN_DIR/pid1.new"
  "${net[@]}" unshare -m -p -u -i -f --kill-child --propagation private -- \
    bash "$SELF" _init "$mode" "$@" &
  local outer=$! pid1=""
  for _ in $(seq 1 100); do
    [ -s "$RUN_DIR/pid1.new" ] && { pid1="$(cat "$RUN_DIR/pid1.new")"; break; }
    [ -d "/proc/$outer" ] || break
    sleep 0.1
  done
  if [ -n "$pid1" ]; then record_sandbox "$pid1" "$mode"; fi
  local rc=0
  wait "$outer" || rc=$?
  rm -f "$RUN_DIR/pid1.new" "$RUN_DIR/pid1" "$RUN_DIR/pidns" "$RUN_DIR/mode"
  if [ "$mode" = run ]; then drop_netns; fi
  return "$rc"
}

# The sandbox's PID 1 records its host PID (through /proc of the host, before pivot_root).
record_sandbox() {
  local pid1="$1" ns
  ns="$(readlink "/proc/$pid1/ns/pid" 2>/dev/null)" || return 0
  is_host_ns "$ns" pid && die "pid $pid1 is in the host's PID namespace: refusing to record it"
  echo "$pid1" > "$RUN_DIR/pid1"; echo "$ns" > "$RUN_DIR/pidns"; echo "$2" > "$RUN_DIR/mode"
}

is_host_ns() {  # whether a namespace id is this script's or PID 1's
  local id="$1" kind="$2" ref
  for ref in "$(readlink "/proc/$$/ns/$kind")" "$(readlink "/proc/1/ns/$kind" 2>/dev/null || true)"; do
    [ -n "$ref" ] && [ "$id" = "$ref" ] && return 0
  done
  return 1
}

make_netns() {  # only lo, bound to a file as `ip netns add` does
  local dir; dir="$(dirname "$NETNS")"
  mkdir -p "$dir"
  findmnt -rn -o TARGET | grep -qxF "$NETNS" && return 0
  touch "$NETNS"
  if ! unshare --net="$NETNS" true 2>/dev/null; then
    findmnt -n "$dir" >/dev/null || mount --bind "$dir" "$dir"
    mount --make-private "$dir"
    unshare --net="$NETNS" true || die "cannot bind a network namespace at $NETNS"
  fi
  nsenter --net="$NETNS" ip link set lo up
}

drop_netns() {
  if findmnt -rn -o TARGET | grep -qxF "$NETNS"; then umount "$NETNS" || true; fi
  rm -f "$NETNS"
}

# Inside the new namespaces, as the sandbox's PID 1: mount the machine, pivot, run CMD.
sandbox_init() {
  local mode="$1" n d
  shift
  # /proc is still the host's here, so /proc/self/stat (opened by this shell, no fork)
  # gives this PID 1's host PID: what stop signals.
  local st
  read -r -a st < /proc/self/stat
  echo "${st[0]}" > "$RUN_DIR/pid1.new"
  mount --bind "$TREE" "$TREE"
  mount -t proc proc "$TREE/proc"
  mount -t sysfs sysfs "$TREE/sys"
  mount --rbind /sys/fs/cgroup "$TREE/sys/fs/cgroup"
  mount -t tmpfs -o mode=755,nosuid dev "$TREE/dev"
  for n in null zero full random urandom tty net/tun fuse kmsg; do
    [ -e "/dev/$n" ] || continue
    mkdir -p "$(dirname "$TREE/dev/$n")"; touch "$TREE/dev/$n"; mount --bind "/dev/$n" "$TREE/dev/$n"
  done
  mkdir -p "$TREE/dev/pts" "$TREE/dev/shm" "$TREE/dev/mqueue"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$TREE/dev/pts"
  ln -s pts/ptmx "$TREE/dev/ptmx"; ln -s /proc/self/fd "$TREE/dev/fd"
  ln -s /proc/self/fd/0 "$TREE/dev/stdin"; ln -s /proc/self/fd/1 "$TREE/dev/stdout"
  ln -s /proc/self/fd/2 "$TREE/dev/stderr"
  mount -t tmpfs -o mode=1777 shm "$TREE/dev/shm"
  mount -t mqueue mqueue "$TREE/dev/mqueue"
  mount -t tmpfs -o mode=755 run "$TREE/run"
  mount -t tmpfs -o mode=1777 tmp "$TREE/tmp"
  for d in /etc/pip.conf /etc/xdg/pip /root/.config/pip /opt/wheels /opt/pypi /opt/pypi-more; do
    [ -e "$d" ] && [ -e "$TREE$d" ] && mount --bind -o ro "$d" "$TREE$d"
  done
  if [ "$mode" = install ]; then
    mount --bind /etc/resolv.conf "$TREE/etc/resolv.conf"
    printf '#!/bin/sh\nexit 101\n' > "$TREE/usr/sbin/policy-rc.d"; chmod 755 "$TREE/usr/sbin/policy-rc.d"
  fi
  hostname deb13
  mkdir -p "$TREE/.oldroot"
  cd "$TREE"
  pivot_root . .oldroot
  umount -l /.oldroot; rmdir /.oldroot
  cd /
  # PID 1 stays a shell: it reaps orphans (daemons setup.sh starts) and ends them at exit.
  local rc=0
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 TERM=dumb CI=true DEBIAN_FRONTEND=noninteractive "$@" </dev/null || rc=$?
  [ "$mode" = install ] && rm -f /usr/sbin/policy-rc.d
  kill -TERM -1 2>/dev/null || true   # every other process of this PID namespace
  local procs
  for _ in $(seq 1 60); do procs=(/proc/[0-9]*); [ "${#procs[@]}" -le 1 ] && break; sleep 0.5; done
  exit "$rc"
}

# --- commands ---
fresh_clone() {
  local repo branch
  repo="${HARNESS_DEB13_REPO:-$ROOT}"
  branch="${HARNESS_DEB13_BRANCH:-$(git -C "$repo" rev-parse --abbrev-ref HEAD)}"
  rm -rf --one-file-system "$TREE$CLONE_IN"
  mkdir -p "$(dirname "$TREE$CLONE_IN")"
  git clone -q --no-hardlinks --branch "$branch" "$repo" "$TREE$CLONE_IN"
  log "cloned $branch at $(git -C "$TREE$CLONE_IN" rev-parse --short HEAD) into $CLONE_IN"
}

run() {
  local t0 t1 rc=0 stamp logf
  need_root
  [ -e "$TREE/.harness-base" ] || die "no tree: scripts/debian13-ci.sh setup"
  # A pid1 file whose process is gone is what a killed run left: stop cleans it up.
  if [ -s "$RUN_DIR/pid1" ] && [ ! -d "/proc/$(cat "$RUN_DIR/pid1")" ]; then stop >/dev/null 2>&1 || true; fi
  [ ! -s "$RUN_DIR/pid1" ] || die "a sandbox runs (pid $(cat "$RUN_DIR/pid1")): stop it first"
  [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || set -- bash .ci/run
  stamp="$(date +%Y%m%d-%H%M%S)"; mkdir -p "$DIR/logs"
  logf="$DIR/logs/run-$stamp.log"
  fresh_clone
  t0=$(date +%s)
  log "phase 1 (install, host network): $DIR/logs/install-$stamp.log"
  sandbox install -- sh -c "cd $CLONE_IN && apt-get ${APT_OPTS[*]} update >/dev/null && \
    apt-get ${APT_OPTS[*]} install make >/dev/null && HARNESS_BROWSER=1 bash scripts/setup.sh --install-only" \
    >"$DIR/logs/install-$stamp.log" 2>&1 || die "phase 1 failed: $DIR/logs/install-$stamp.log"
  t1=$(date +%s)
  log "phase 1: $(( t1 - t0 )) s; phase 2 (own network, $*): $logf"
  ln -sfn "$logf" "$DIR/logs/run-latest.log"
  sandbox run -- sh -c 'cd "$0" && exec "$@"' "$CLONE_IN" "$@" >"$logf" 2>&1 || rc=$?
  echo "$rc" > "$DIR/logs/run-$stamp.rc"
  log "phase 2: exit $rc after $(( $(date +%s) - t1 )) s (log: $logf)"
  return "$rc"
}

stop() {
  local pid1 ns
  need_root
  pid1="$(cat "$RUN_DIR/pid1" 2>/dev/null || true)"; ns="$(cat "$RUN_DIR/pidns" 2>/dev/null || true)"
  if [ -n "$pid1" ] && [ -n "$ns" ] && [ "$(readlink "/proc/$pid1/ns/pid" 2>/dev/null)" = "$ns" ]; then
    is_host_ns "$ns" pid && die "the recorded PID namespace is the host's: not stopping by it"
    # Its PID 1 ends the other processes (engines stop their containers) and exits.
    kill -TERM "$pid1" 2>/dev/null || true
    nsenter -t "$pid1" -p -m -- sh -c 'kill -TERM -1' 2>/dev/null || true
    for _ in $(seq 1 120); do [ -d "/proc/$pid1" ] || break; sleep 0.25; done
    kill -KILL "$pid1" 2>/dev/null || true   # the kernel ends the whole namespace
    log "stopped the sandbox (pid $pid1)"
  else
    log "no sandbox running"
  fi
  rm -f "$RUN_DIR/pid1" "$RUN_DIR/pidns" "$RUN_DIR/mode"
  drop_netns
}

status() {
  local pid1 last
  pid1="$(cat "$RUN_DIR/pid1" 2>/dev/null || true)"
  printf 'tree: %s\n' "$([ -e "$TREE/.harness-base" ] && du -sxh "$TREE" | cut -f1 || echo 'not set up')"
  printf 'sandbox: %s\n' "$([ -n "$pid1" ] && [ -d "/proc/$pid1" ] && echo "running ($(cat "$RUN_DIR/mode"), pid $pid1)" || echo 'none')"
  last="$(ls -t "$DIR"/logs/run-*.rc 2>/dev/null | head -n1 || true)"
  [ -z "$last" ] || printf 'last run: %s exit %s\n' "$(basename "$last" .rc)" "$(cat "$last")"
}

clean() { stop; safe_rmtree "$TREE"; safe_rmtree "$TREE.partial"; log "removed $TREE"; }

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    setup) setup ;;
    run) run "$@" ;;
    stop) stop ;;
    status) status ;;
    clean) clean ;;
    _init) sandbox_init "$@" ;;
    *) sed -n '2,10p' "$SELF" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
}

main "$@"
