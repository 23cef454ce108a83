#!/usr/bin/env bash
# Opt-in (HARNESS_ROOTLESS=1, called by setup.sh): a rootless Podman API service for
# the `podman-rootless` engine. Creates a dedicated system user with subordinate ids,
# its runtime dir, and runs `podman system service` as that user on
# /run/user/<uid>/podman/podman.sock. Idempotent; never touches other users.
# Where the host cannot do it (no newuidmap, user namespaces off), it says why and
# leaves the engine to report itself unavailable with the probed reason.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
USER_NAME="${HARNESS_ROOTLESS_USER:-harness-rootless}"
STATE_DIR="${HARNESS_STATE_DIR:-/var/lib/harness}"
HOME_DIR="$STATE_DIR/rootless-home"
CONF="$STATE_DIR/containers.conf"
SUBIDS="${HARNESS_ROOTLESS_SUBIDS:-300000-365535}"
log() { printf 'rootless: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { log "needs root to create $USER_NAME"; exit 0; }
command -v newuidmap >/dev/null 2>&1 || {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q uidmap slirp4netns >/dev/null || true
}
command -v newuidmap >/dev/null 2>&1 || { log "no newuidmap (package uidmap): skipped"; exit 0; }
if [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" = 0 ]; then
  log "user namespaces are disabled (user.max_user_namespaces=0): skipped"; exit 0
fi
if [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null || echo 1)" = 0 ]; then
  log "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0): skipped"
  exit 0
fi

id "$USER_NAME" >/dev/null 2>&1 || {
  log "creating system user $USER_NAME"
  useradd --system --create-home --home-dir "$HOME_DIR" --shell /usr/sbin/nologin "$USER_NAME"
}
grep -q "^$USER_NAME:" /etc/subuid || usermod --add-subuids "$SUBIDS" "$USER_NAME"
grep -q "^$USER_NAME:" /etc/subgid || usermod --add-subgids "$SUBIDS" "$USER_NAME"

# The user's home (its graphroot and network configs) lies under /var/lib. Podman 4.3's
# rootless network namespace bind-mounts a private directory over /var/lib/cni, or over
# all of /var/lib when /var/lib/cni is missing, which hides the network configs from
# netavark there: every container on a named network then fails to start with "network
# not found" (https://github.com/podman-container-tools/podman/issues/14780, #22227). An empty
# /var/lib/cni (what containernetworking-plugins installs) keeps the mount narrow.
install -d -m 755 /var/lib/cni
uid="$(id -u "$USER_NAME")"
run_dir="/run/user/$uid"
sock="$run_dir/podman/podman.sock"
install -d -m 700 -o "$USER_NAME" -g "$USER_NAME" "$run_dir" "$run_dir/podman"
[ -f "$CONF" ] && export CONTAINERS_CONF="$CONF"

up() { curl -sf -m 20 --unix-socket "$sock" http://d/v4.0.0/libpod/info >/dev/null 2>&1; }
if up; then exit 0; fi
if curl -sf --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; then
  log "the rootless service answers _ping but not /info: restarting it"
  # The process listening on this socket, by PID (never by name: the host's own
  # Podman service and other users' run beside it).
  for pid in $(ss -xlpH src "$sock" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do
    kill -9 "$pid" || true
  done
  sleep 1
fi
rm -f "$sock"
log "starting the rootless Podman API service on $sock"
cd "$HOME_DIR"
# Offline (setup.sh passes the file): in its own mount namespace with the loopback-only
# resolv.conf, which the rootless pause process, slirp4netns and aardvark-dns inherit.
ns=()
[ -n "${HARNESS_OFFLINE_RESOLV:-}" ] && ns=(bash "$HERE/offline-ns.sh" "$HARNESS_OFFLINE_RESOLV")
nohup "${ns[@]}" runuser -u "$USER_NAME" -- env HOME="$HOME_DIR" XDG_RUNTIME_DIR="$run_dir" \
  ${CONTAINERS_CONF:+CONTAINERS_CONF="$CONTAINERS_CONF"} \
  podman system service --time=0 "unix://$sock" >"$STATE_DIR/podman-rootless.log" 2>&1 &
for _ in $(seq 1 60); do up && break; sleep 0.5; done
up || log "the rootless service did not answer; see $STATE_DIR/podman-rootless.log"
