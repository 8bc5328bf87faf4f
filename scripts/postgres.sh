#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   scripts/postgres.sh start    create a cluster in a temporary directory and start it
#   scripts/postgres.sh url      print its SQLAlchemy URL (postgresql+psycopg://postgres@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh status   say whether it runs
#   scripts/postgres.sh stop     stop it and delete the directory
#
# The server listens on 127.0.0.1 only (a free port) and on a Unix socket inside its own directory,
# trusts loopback connections, and trades durability for speed (fsync=off): it holds test data only.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user; anyone
# else runs it as themselves. The state (directory, port) lives in .tmp/postgres.env of the checkout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/.tmp"
STATE_FILE="$STATE_DIR/postgres.env"
SERVER_USER=postgres

die() {
    echo "postgres.sh: $*" >&2
    exit 1
}

find_bin() {
    local bin
    bin="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
    [ -n "$bin" ] && [ -x "$bin/initdb" ] ||
        die "no PostgreSQL under /usr/lib/postgresql/*/bin; install Debian's postgresql package"
    echo "$bin"
}

# Run a command as the user that owns the cluster, from inside the cluster's directory: initdb and
# pg_ctl complain when the current directory (a checkout under /root, say) is not theirs to read.
as_owner() {
    local dir="$1"
    shift
    if [ "$(id -u)" -ne 0 ]; then
        (cd "$dir" && "$@")
    elif command -v runuser >/dev/null 2>&1; then
        (cd "$dir" && runuser -u "$SERVER_USER" -- "$@")
    else
        (cd "$dir" && su -s /bin/bash "$SERVER_USER" -c "$(printf '%q ' "$@")")
    fi
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

load_state() {
    [ -f "$STATE_FILE" ] || return 1
    # shellcheck source=/dev/null
    . "$STATE_FILE"
    [ -n "${PG_DIR:-}" ] && [ -n "${PG_BIN:-}" ]
}

running() {
    load_state && [ -n "${PG_PORT:-}" ] && [ -d "$PG_DIR/data" ] && as_owner "$PG_DIR" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1
}

url() {
    echo "postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/postgres"
}

start() {
    if running; then
        echo "postgres.sh: already running on 127.0.0.1:$PG_PORT ($PG_DIR)"
        return 0
    fi
    if load_state; then
        rm -rf "$PG_DIR" # left by a run that did not stop it
    fi
    rm -f "$STATE_FILE"

    local bin dir port attempt
    bin="$(find_bin)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/hikeshi-postgres.XXXXXX")"
    chmod 700 "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        id "$SERVER_USER" >/dev/null 2>&1 || die "no '$SERVER_USER' user; install Debian's postgresql package"
        chown "$SERVER_USER:" "$dir"
    fi
    mkdir -p "$STATE_DIR"
    {
        printf 'PG_DIR=%q\n' "$dir"
        printf 'PG_BIN=%q\n' "$bin"
        printf 'PG_PORT=\n'
    } >"$STATE_FILE"

    as_owner "$dir" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }
    cat >>"$dir/data/postgresql.conf" <<EOF

# throwaway test server (scripts/postgres.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF

    # Another process may take the free port between our look and the server's bind: try again.
    for attempt in 1 2 3; do
        port="$(free_port)"
        if as_owner "$dir" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
            -o "-p $port" start >/dev/null; then
            {
                printf 'PG_DIR=%q\n' "$dir"
                printf 'PG_BIN=%q\n' "$bin"
                printf 'PG_PORT=%q\n' "$port"
            } >"$STATE_FILE"
            PG_PORT="$port"
            echo "postgres.sh: PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port ($dir)"
            return 0
        fi
        echo "postgres.sh: start on port $port failed (attempt $attempt)" >&2
    done
    tail -n 20 "$dir/server.log" >&2 || true
    die "could not start PostgreSQL; log above"
}

stop() {
    if ! load_state; then
        echo "postgres.sh: not running"
        return 0
    fi
    if [ -d "$PG_DIR/data" ]; then
        as_owner "$PG_DIR" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    rm -f "$STATE_FILE"
    echo "postgres.sh: stopped and removed ${PG_DIR}"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
url)
    running || die "not running; run: $0 start"
    url
    ;;
status)
    if running; then
        echo "running on 127.0.0.1:$PG_PORT ($PG_DIR)"
    else
        echo "not running"
        exit 3
    fi
    ;;
*)
    echo "usage: $0 start|stop|url|status" >&2
    exit 2
    ;;
esac
