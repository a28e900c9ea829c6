#!/usr/bin/env bash
# Starts podman's Docker-compatible API so the docker runtime driver can be tested on machines
# without a Docker Engine (CI, dev boxes). Idempotent: installs podman if missing (Debian/apt,
# root only), reuses a service that already answers, and prints the DOCKER_HOST to use on the
# last line of stdout. Exits non-zero with the reason on stderr when it cannot provide one.
#
#   export DOCKER_HOST=$(scripts/podman-service.sh | tail -n1)
#
# Why these flags: there is no systemd here, so cgroups are managed directly (cgroupfs) and events
# go to a file; runc is the OCI runtime Debian ships beside podman (no crun needed); catatonit is
# the init the driver asks for (Init: true).
set -euo pipefail

SOCK=${PILOX_PODMAN_SOCKET:-/run/pilox-podman.sock}
LOG=${PILOX_PODMAN_LOG:-/tmp/pilox-podman.log}
HOST="unix://$SOCK"

ping_ok() {
  [ -S "$SOCK" ] && curl -fsS --max-time 3 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1
}

if ping_ok; then echo "$HOST"; exit 0; fi

if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1 || ! command -v catatonit >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "podman-service: podman is not installed and cannot be installed here (needs root + apt-get)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Another job may hold the dpkg lock briefly; wait for it instead of failing.
  apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    podman runc catatonit uidmap fuse-overlayfs slirp4netns curl >/dev/null; then
    echo "podman-service: apt-get install podman failed" >&2
    exit 1
  fi
fi
command -v curl >/dev/null 2>&1 || { echo "podman-service: curl is required to probe the API" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  echo "podman-service: must run as root (rootful podman: the driver needs cgroup limits and the freezer)" >&2
  exit 1
fi

rm -f "$SOCK"
mkdir -p "$(dirname "$SOCK")"
# setsid + nohup: the service must outlive this script and the CI step that started it.
setsid nohup podman --runtime runc --cgroup-manager cgroupfs --events-backend file \
  system service --time=0 "$HOST" >"$LOG" 2>&1 < /dev/null &

for _ in $(seq 1 60); do
  if ping_ok; then echo "$HOST"; exit 0; fi
  sleep 0.5
done
echo "podman-service: the API did not answer on $SOCK within 30 s; see $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
