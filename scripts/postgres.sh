#!/usr/bin/env bash
# A throw-away PostgreSQL server on 127.0.0.1 for the broker tests.
#
#   eval "$(scripts/postgres.sh start)"   # prints: export AZURE_USER_TOKENS_TEST_POSTGRES=postgres://…
#   scripts/postgres.sh stop
#
# Installs Debian's postgresql package when no server binaries are found
# (needs root), makes a fresh cluster under $TMPDIR (initdb, as the postgres
# user when run as root), listens on 127.0.0.1 only (port $PG_TEST_PORT,
# default 55432) with password (SCRAM) authentication over TCP, and creates
# the role `broker` (password `broker`, CREATEDB: each test makes its own
# database).
set -euo pipefail

port="${PG_TEST_PORT:-55432}"
dir="${TMPDIR:-/tmp}/azure-user-tokens-postgres-$port"

server_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

# Runs a command as the cluster's owner: postgres when we are root.
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    bin="$(server_bin)"
    if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
        echo "installing Debian's postgresql package" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        bin="$(server_bin)"
    fi
    # Never take over a server another run is using (a second checkout, a
    # bench): say how to get a server of one's own instead.
    if [ -f "$dir/data/postmaster.pid" ] &&
        as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        echo "error: a test server already runs on port $port ($dir):" \
            "stop it with '$0 stop', or choose another PG_TEST_PORT" >&2
        exit 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$dir"
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2
    as_owner "$bin/psql" -q -h "$dir" -p "$port" -U postgres -d postgres \
        -c "CREATE ROLE broker LOGIN PASSWORD 'broker' CREATEDB" >&2
    echo "export AZURE_USER_TOKENS_TEST_POSTGRES=postgres://broker:broker@127.0.0.1:$port/postgres"
    ;;
stop)
    bin="$(server_bin)"
    if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >&2
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
