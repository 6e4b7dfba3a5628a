#!/usr/bin/env bash
# Run a command with a Docker engine: use the running one, or start dockerd for the command's
# duration and stop it afterwards (CI machines and fresh servers have none running).
set -euo pipefail
if docker info >/dev/null 2>&1; then
    exec "$@"
fi
command -v dockerd >/dev/null || { echo "no Docker engine: apt-get install docker.io" >&2; exit 1; }
log=$(mktemp)
dockerd >"$log" 2>&1 &
pid=$!
stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop EXIT
for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; echo "dockerd did not start" >&2; exit 1; }
    sleep 1
done
docker info >/dev/null 2>&1 || { tail -20 "$log" >&2; echo "dockerd did not answer" >&2; exit 1; }
"$@"
