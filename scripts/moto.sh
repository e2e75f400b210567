#!/usr/bin/env bash
# Starts or stops a local moto server, the AWS emulator the DynamoDB and SNS tests run against.
#
#   scripts/moto.sh start   installs moto[server] from PyPI into .venv/moto (once), starts it
#                           in the background and waits until it answers
#   scripts/moto.sh stop    stops the server that `start` started on that port
#   scripts/moto.sh env     prints the variables the tests need, for `eval`
#
# MOTO_PORT (default 5000) picks the port. The tests read AWS_ENDPOINT_URL and fail, naming
# the problem, when it is unset or nothing answers there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${MOTO_VENV:-$root/.venv/moto}"
port="${MOTO_PORT:-5000}"
# One server per port, so that a server left running on one port (a developer's, on 5000)
# is never taken for the one asked for on another (the test command's free port).
pid_file="$venv/server-$port.pid"
log_file="$venv/server-$port.log"
moto_version="5.2.5"

answering() {
    "$venv/bin/python" - "$port" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=1)
except Exception:
    sys.exit(1)
PY
}

start() {
    if [ ! -x "$venv/bin/moto_server" ]; then
        python3 -m venv "$venv"
        "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
    fi
    if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
        echo "moto already running on port $port (pid $(cat "$pid_file"))"
        return
    fi
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$log_file" 2>&1 &
    echo $! >"$pid_file"
    for _ in $(seq 1 100); do
        if answering; then
            echo "moto $moto_version listening on http://127.0.0.1:$port (pid $(cat "$pid_file"))"
            return
        fi
        sleep 0.1
    done
    echo "moto did not answer on port $port within 10 s; its log:" >&2
    cat "$log_file" >&2
    exit 1
}

stop() {
    if [ -f "$pid_file" ]; then
        kill "$(cat "$pid_file")" 2>/dev/null || true
        rm -f "$pid_file"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env)
        echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$port"
        echo "export AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
        ;;
    *)
        echo "usage: $0 start|stop|env" >&2
        exit 2
        ;;
esac
