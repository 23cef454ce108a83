#!/usr/bin/env bash
# Idempotent setup for harness on Debian/Ubuntu as root:
#   install engines + static busybox when missing, start dockerd and the Podman
#   API service when they do not answer, apply harness-owned Podman settings,
#   optional offline safety net, and a .venv with the package and test extras.
# A second run changes nothing; engines that already answer are used as they are.
#   setup.sh --install-only   packages and .venv only: no daemon, no host config (a
#                             machine image, or a sandbox that may not start engines yet)
set -euo pipefail
INSTALL_ONLY=0
[ "${1:-}" = --install-only ] && INSTALL_ONLY=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${HARNESS_STATE_DIR:-/var/lib/harness}"
PODMAN_SOCK="${HARNESS_PODMAN_SOCK:-/run/podman/podman.sock}"
DOCKER_SOCK="/var/run/docker.sock"
CONF="$STATE_DIR/containers.conf"
REGISTRY_ADDR="${HARNESS_REGISTRY:-127.0.0.1:5000}"
REGISTRY_DIR="$STATE_DIR/registry"
REGISTRIES_CONF="$STATE_DIR/registries.conf"
# Offline by default (these hosts have no internet, and no lookup may leave them): the
# engines and the DNS servers they run forward only to loopback, while containers keep
# the engines' own DNS (see "offline safety net" below). HARNESS_OFFLINE=0 keeps the
# host's DNS.
OFFLINE="${HARNESS_OFFLINE:-1}"
OFFLINE_RESOLV="$STATE_DIR/resolv.conf"
PODMAN_PID="$STATE_DIR/podman.pid"
DOCKERD_PID="/var/run/docker.pid"  # dockerd's own default

log() { printf 'setup: %s\n' "$*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v podman >/dev/null 2>&1 || need_pkgs+=(podman)
is_static_busybox() { [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; }
is_static_busybox || need_pkgs+=(busybox-static)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
command -v podman-compose >/dev/null 2>&1 || need_pkgs+=(podman-compose)
command -v docker-registry >/dev/null 2>&1 || need_pkgs+=(docker-registry)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
# .venv below: Debian's python3 has no venv/ensurepip without python3-venv.
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || need_pkgs+=(python3-venv)
if [ "${HARNESS_BROWSER:-0}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || need_pkgs+=(chromium-driver)
fi
# The remote-engine tests (tests/engines/test_remote_ssh.py) run their own sshd on
# 127.0.0.1 with keys in a temporary directory; the package's own sshd is never started
# (policy-rc.d below) and its configuration is never used.
if [ "${HARNESS_BROWSER:-0}" = "1" ] || [ "${HARNESS_SSH:-0}" = "1" ]; then
  [ -x /usr/sbin/sshd ] || need_pkgs+=(openssh-server)
  command -v ssh >/dev/null 2>&1 || need_pkgs+=(openssh-client)
fi
# What `apt-get install podman` / `apt-get install docker.io` bring with Debian's default
# (APT::Install-Recommends), whatever this machine's apt says: their Recommends, the first
# alternative of each `a | b` group (podman --init needs catatonit; tini does not serve it).
missing_recommends() {
  apt-cache depends "$1" 2>/dev/null | awk '
    /^ *\|?Recommends:/ {
      if ($2 !~ /^</ && first == "") first = $2
      if ($1 ~ /^\|/) next
      if (first != "") print first
      first = ""
    }' | while read -r pkg; do
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q ' installed$' || echo "$pkg"
    done
}
if command -v apt-cache >/dev/null 2>&1; then
  for engine_pkg in podman docker.io; do
    while read -r pkg; do
      if [ -n "$pkg" ]; then need_pkgs+=("$pkg"); fi
    done < <(missing_recommends "$engine_pkg")
  done
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    log "missing ${need_pkgs[*]}: install them (needs root and apt-get)"; exit 1
  fi
  log "installing ${need_pkgs[*]}"
  # docker-registry's init script would start it on 0.0.0.0:5000 with its own config:
  # keep packages from starting services while they install (Debian's policy-rc.d).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --install-recommends "${need_pkgs[@]}" >/dev/null
  # A fresh machine: the engines' Recommends could only be listed after the install.
  for engine_pkg in podman docker.io; do
    mapfile -t recs < <(missing_recommends "$engine_pkg")
    if [ "${#recs[@]}" -gt 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${recs[@]}" >/dev/null
    fi
  done
  [ "$own_policy" = 1 ] && rm -f "$policy"
fi

# --- Python environment (also for --install-only) ---
python_env() {
  local PY="${PYTHON:-python3}" EXTRAS stamp full_stamp
  if [ ! -x "$ROOT/.venv/bin/python" ]; then
    log "creating .venv"
    "$PY" -m venv "$ROOT/.venv"
  fi
  # HARNESS_EXTRAS (default `test`): `make report` sets it empty, the package alone, which
  # installs in a fraction of the time the test tools take. A stamp per extras set, the
  # test one covering both.
  EXTRAS="${HARNESS_EXTRAS-test}"
  stamp="$ROOT/.venv/.harness-installed${EXTRAS:+-$EXTRAS}"
  full_stamp="$ROOT/.venv/.harness-installed-test"
  fresh() { [ -f "$1" ] && ! [ "$ROOT/pyproject.toml" -nt "$1" ]; }
  if ! fresh "$stamp" && ! fresh "$full_stamp"; then
    log "installing harness${EXTRAS:+ and its $EXTRAS extras} into .venv"
    "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check -e "$ROOT${EXTRAS:+[$EXTRAS]}" 2>&1 \
      | { grep -v "^WARNING: Location" || true; }
    touch "$stamp"
  fi
}
if [ "$INSTALL_ONLY" = 1 ]; then
  python_env
  log "installed (--install-only: no daemon started, no host config changed)"
  exit 0
fi

# --- offline safety net (CI, or HARNESS_OFFLINE=1): stray pulls and lookups stay local ---
# Registry names map to 127.0.0.1, and the daemons run in a private mount namespace whose
# /etc/resolv.conf is $OFFLINE_RESOLV: the host's search/options lines with the only
# nameserver 0.0.0.0, which Linux routes to 127.0.0.1 on lo (`ip route get 0.0.0.0`).
# dockerd, the Podman service, netavark and the aardvark-dns it spawns read that file, so
# their upstream is loopback, and containers keep the engines' own DNS (127.0.0.11,
# aardvark-dns at the gateway). Not 127.0.0.1: both engines drop loopback servers from
# the resolv.conf they give containers and put Google's 8.8.8.8/8.8.4.4 when none is left.
# Not containers.conf dns_servers: Podman 4.3 writes those in place of aardvark-dns.
DOCKERD_ARGS=()
OFFLINE_NS=()  # argv prefix: run a daemon in its own mount namespace with $OFFLINE_RESOLV
if [ "$OFFLINE" = "1" ]; then
  for h in registry-1.docker.io index.docker.io auth.docker.io docker.io production.cloudflare.docker.com quay.io registry.fedoraproject.org registry.access.redhat.com; do
    grep -qE "^127\.0\.0\.1[[:space:]]+$h\$" /etc/hosts || echo "127.0.0.1 $h" >> /etc/hosts
  done
  mkdir -p "$STATE_DIR"
  # No comment line: containers on networks without the engine's DNS get a copy of it.
  # Replaced only when it changes: a running daemon's bind mount keeps the old file.
  { grep -vE '^[[:space:]]*(nameserver|#|;)' /etc/resolv.conf 2>/dev/null || true
    echo "nameserver 0.0.0.0"; } > "$OFFLINE_RESOLV.tmp"
  if cmp -s "$OFFLINE_RESOLV.tmp" "$OFFLINE_RESOLV"; then rm -f "$OFFLINE_RESOLV.tmp"
  else mv "$OFFLINE_RESOLV.tmp" "$OFFLINE_RESOLV"; fi
  # Container network namespaces are nsfs mounts under /run/netns: shared, so the
  # daemons' namespaces and the host see the same ones (see scripts/offline-ns.sh).
  mkdir -p /run/netns
  mountpoint -q /run/netns || mount --bind /run/netns /run/netns
  mount --make-shared /run/netns
  OFFLINE_NS=(bash "$ROOT/scripts/offline-ns.sh" "$OFFLINE_RESOLV")
  # The same servers for dockerd's containers whatever namespace it runs in (see below).
  DOCKERD_ARGS+=(--dns 0.0.0.0)
  log "offline safety net on"
fi
# The loopback-only resolv.conf a running daemon (by pidfile) sees, or why it does not.
offline_view_ok() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [ -n "$pid" ] && ! grep -E '^[[:space:]]*nameserver' "/proc/$pid/root/etc/resolv.conf" 2>/dev/null \
    | grep -qvE '^[[:space:]]*nameserver[[:space:]]+(127\.[0-9.]+|0\.0\.0\.0|::1)[[:space:]]*$'
}

# --- Docker: start dockerd when nothing answers on its socket ---
docker_up() { curl -sf --unix-socket "$DOCKER_SOCK" http://d/_ping >/dev/null 2>&1; }
if ! docker_up; then
  if [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null 2>&1; then
    log "starting dockerd"
    mkdir -p "$STATE_DIR"
    # dockerd's own lookups (pulls of names not in /etc/hosts) read its /etc/resolv.conf:
    # the offline namespace, unless a system containerd runs the containers in the host's
    # mount namespace, where they would not see the rootfs dockerd mounts in its own.
    if [ -S /run/containerd/containerd.sock ]; then
      dockerd_ns=()
      [ "$OFFLINE" = "1" ] && log "a system containerd runs: dockerd stays in the host's mount namespace"
    else
      dockerd_ns=("${OFFLINE_NS[@]}")
    fi
    (cd "$STATE_DIR" && nohup "${dockerd_ns[@]}" dockerd "${DOCKERD_ARGS[@]}" \
      >"$STATE_DIR/dockerd.log" 2>&1 &)
    for _ in $(seq 1 60); do docker_up && break; sleep 0.5; done
    docker_up || { log "dockerd did not answer; see $STATE_DIR/dockerd.log"; }
  fi
fi

# --- Local registry (Debian's docker-registry) on 127.0.0.1 only; storage under $STATE_DIR ---
case "$REGISTRY_ADDR" in
  127.*:*) ;;
  *) log "HARNESS_REGISTRY=$REGISTRY_ADDR: the registry listens on 127.0.0.0/8 only"; exit 2 ;;
esac
registry_up() { curl -sf -m 5 "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; }
if ! registry_up && command -v docker-registry >/dev/null 2>&1; then
  log "starting the local registry on $REGISTRY_ADDR"
  mkdir -p "$REGISTRY_DIR/storage"
  sed -e "s|@ADDR@|$REGISTRY_ADDR|" -e "s|@STORAGE@|$REGISTRY_DIR/storage|" \
    "$ROOT/scripts/registry.yml" > "$REGISTRY_DIR/config.yml"
  (cd "$STATE_DIR" && nohup docker-registry serve "$REGISTRY_DIR/config.yml" >"$STATE_DIR/registry.log" 2>&1 &)
  for _ in $(seq 1 40); do registry_up && break; sleep 0.25; done
  registry_up || log "the registry did not answer; see $STATE_DIR/registry.log"
fi
# Podman: plain HTTP to the local registry (Docker already treats 127.0.0.0/8 as insecure).
# Only fully qualified 127.0.0.1:PORT/... names are ever pushed or pulled; no search registries.
printf 'unqualified-search-registries = []\n\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
  "$REGISTRY_ADDR" > "$REGISTRIES_CONF.tmp" && mv "$REGISTRIES_CONF.tmp" "$REGISTRIES_CONF"

# --- Podman: harness-owned containers.conf, API service ---
# PIDs of the processes listening on a Unix socket (never a match by process name:
# other engines' services share the host's PID namespace).
socket_owners() { ss -xlpH src "$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }
podman_up() { curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1; }
# A wedged Podman 4.3 service still answers _ping while /info hangs: treat that as down.
podman_answers() { podman_up && curl -sf -m 20 --unix-socket "$PODMAN_SOCK" http://d/v4.0.0/libpod/info >/dev/null 2>&1; }
if podman_up && ! podman_answers; then
  log "the Podman API service answers _ping but not /info: restarting it"
  # Only the service on this socket (its pidfile): a rootless one (scripts/rootless.sh) may run too.
  pid="$(cat "$PODMAN_PID" 2>/dev/null || true)"
  if [ -n "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "unix://$PODMAN_SOCK"; then
    kill -9 "$pid" || true
  else
    # No trustworthy pidfile: the process that listens on this very socket, by its PID.
    for pid in $(socket_owners "$PODMAN_SOCK"); do kill -9 "$pid" || true; done
  fi
  sleep 1
fi
if ! podman_up && command -v podman >/dev/null 2>&1; then
  log "starting the Podman API service on $PODMAN_SOCK"
  mkdir -p "$(dirname "$PODMAN_SOCK")" "$STATE_DIR"
  rm -f "$PODMAN_SOCK"  # a stale socket from a killed service would block the new one
  cp "$ROOT/scripts/containers.conf" "$CONF"
  export CONTAINERS_CONF="$CONF"
  export CONTAINERS_REGISTRIES_CONF="$REGISTRIES_CONF"
  # Started from the state dir: conmon inherits the cwd and writes an `oom` file there
  # when a container is OOM-killed (limits.memory), which landed in the checkout.
  # Offline: in its own mount namespace (see the safety net), which conmon, netavark and
  # aardvark-dns inherit. aardvark-dns is one process per host (/run/containers/networks),
  # started by whichever Podman first starts a container on a network with DNS: only
  # this service does it here.
  (cd "$STATE_DIR" && { nohup "${OFFLINE_NS[@]}" podman system service --time=0 "unix://$PODMAN_SOCK" \
    >"$STATE_DIR/podman.log" 2>&1 & echo $! > "$PODMAN_PID"; })
  for _ in $(seq 1 60); do podman_up && break; sleep 0.5; done
  podman_up || { log "podman service did not answer; see $STATE_DIR/podman.log"; }
fi
if podman_answers && ! curl -sf -m 20 --unix-socket "$PODMAN_SOCK" http://d/v4.0.0/libpod/info \
    | grep -q "\"$REGISTRY_ADDR\":{[^}]*\"Insecure\":true"; then
  # Not restarted here: other runs may be using it. The harness asks for plain HTTP per
  # request (tlsVerify=false) to this registry, so registry scenarios work either way.
  log "note: the running Podman service was started without $REGISTRIES_CONF"
fi

if [ "$OFFLINE" = "1" ]; then
  # Not restarted here either: a daemon started before this setup (or by another one)
  # still forwards to the host's resolvers until it is restarted.
  offline_view_ok "$PODMAN_PID" || log "note: the running Podman service does not see $OFFLINE_RESOLV; restart it to apply"
  offline_view_ok "$DOCKERD_PID" || log "note: the running dockerd does not see $OFFLINE_RESOLV; restart it to apply"
fi

# --- Parent links for macvlan/ipvlan scenarios (scenarios/drivers) ---
# Each scenario gets its own link (hx + 8 hex; dummy, or a veth pair where the kernel has
# no dummy driver), made and deleted by the harness itself (harness/engines/links.py), so
# none outlives a run. Here: only check that this kernel can make one.
probe_link="hxsetup$$"; probe_link="${probe_link:0:15}"
if ip link add "$probe_link" type dummy 2>/dev/null \
   || ip link add "$probe_link" type veth peer name "${probe_link:0:14}p" 2>/dev/null; then
  ip link del "$probe_link" 2>/dev/null || true
else
  log "note: this kernel cannot make a dummy or veth link: macvlan/ipvlan scenarios will error"
fi

# --- opt-in rootless Podman (the podman-rootless engine) ---
if [ "${HARNESS_ROOTLESS:-0}" = "1" ]; then
  HARNESS_OFFLINE_RESOLV="$([ "$OFFLINE" = "1" ] && echo "$OFFLINE_RESOLV")" \
    bash "$ROOT/scripts/rootless.sh" || log "rootless Podman not available (see above)"
fi

# --- opt-in version surfaces: newer engines from Debian's archive in their own namespaces
# (scripts/versions.sh, docs/versions.md), e.g. HARNESS_VERSIONS="podman@5.4 docker@26.1".
# A surface that cannot be built or started is reported and everything else proceeds.
# In the background while pip fills .venv below: on a fresh machine both wait on the
# network (debootstrap and apt for each tree, PyPI for the package).
versions_job=""
if [ -n "${HARNESS_VERSIONS:-}" ]; then
  for surface in $HARNESS_VERSIONS; do
    { bash "$ROOT/scripts/versions.sh" setup "$surface" \
        && bash "$ROOT/scripts/versions.sh" start "$surface"; } \
      || log "version surface $surface not available: see the lines above"
  done &
  versions_job=$!
fi

python_env

[ -z "$versions_job" ] || wait "$versions_job"
log "ready"
