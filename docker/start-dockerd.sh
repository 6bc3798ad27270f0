#!/usr/bin/env bash
# Makes a Docker daemon available for the container tests (CI runs as root on a fresh machine):
# installs docker.io, debootstrap and the compose v2 plugin when missing, starts dockerd in the
# background and waits until `docker info` answers. Idempotent: does nothing more when the
# daemon already answers.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log="${DOCKERD_LOG:-/var/log/exemption-dockerd.log}"
wait_seconds="${DOCKERD_WAIT_SECONDS:-90}"

need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "start-dockerd: missing Debian packages: ${need[*]} (install them as root)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
"$here/install-compose-plugin.sh"

if docker info >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start-dockerd: the Docker daemon is not running and only root can start it" >&2
  exit 1
fi
pid_file=/var/run/docker.pid
if [ -s "$pid_file" ]; then
  old_pid="$(cat "$pid_file")"
  # A daemon that is still shutting down holds the pid file for a few seconds; a dead one left
  # it behind and dockerd would refuse to start.
  for _ in $(seq 30); do kill -0 "$old_pid" 2>/dev/null || break; sleep 1; done
  if kill -0 "$old_pid" 2>/dev/null; then
    echo "start-dockerd: dockerd $old_pid is running but does not answer; stop it first" >&2
    exit 1
  fi
  rm -f "$pid_file"
fi
echo "start-dockerd: starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 &
daemon_pid=$!
for _ in $(seq "$wait_seconds"); do
  if docker info >/dev/null 2>&1; then
    echo "start-dockerd: daemon ready"
    exit 0
  fi
  if ! kill -0 "$daemon_pid" 2>/dev/null; then
    echo "start-dockerd: dockerd exited; last log lines:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "start-dockerd: dockerd did not answer within ${wait_seconds}s; last log lines:" >&2
tail -n 20 "$log" >&2
exit 1
