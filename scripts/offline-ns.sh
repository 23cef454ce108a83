#!/usr/bin/env bash
# offline-ns.sh RESOLV_CONF CMD [ARG...]: exec CMD (a daemon) in a mount namespace of
# its own where /etc/resolv.conf is RESOLV_CONF, so the daemon and everything it starts
# (conmon, netavark, aardvark-dns, containerd, slirp4netns) read that file; the host's
# stays as it is. Used by setup.sh and rootless.sh for the offline safety net.
#
# Only the mount holding /etc/resolv.conf turns private in the new namespace, so the bind
# never propagates back to the host; every other mount keeps its propagation, above all
# /run/netns: container network namespaces are nsfs mounts there, and every Podman process
# (the service, conmon's cleanup, another service, the host's podman CLI) must see them,
# or it fails with 'unknown FS magic on "/run/netns/netns-..."'. The caller makes
# /run/netns a shared mount first, as iproute2 and Podman themselves do.
# The PID stays the same through every exec: `nohup offline-ns.sh … &` then `$!` is CMD's.
set -euo pipefail
resolv="$1"
shift
[ -f "$resolv" ] || { echo "offline-ns: no $resolv" >&2; exit 2; }
exec unshare -m --propagation unchanged sh -c '
  mount --make-private "$(findmnt -n -o TARGET -T /etc/resolv.conf)" &&
  mount --bind "$0" /etc/resolv.conf && exec "$@"' "$resolv" "$@"
