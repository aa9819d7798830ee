#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL on loopback, its URL in PORTAL_TEST_POSTGRES_URL.
# The cluster lives in a temporary directory and is stopped and removed afterwards, whatever
# the command's outcome. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bindir" ]; then
    echo "PostgreSQL is not installed: run make system-packages" >&2
    exit 1
fi

run_as=()
if [ "$(id -u)" -eq 0 ]; then
    run_as=(runuser -u postgres --)
fi

workdir=$(mktemp -d /tmp/portal-pg.XXXXXX)
chmod 755 "$workdir"
[ ${#run_as[@]} -eq 0 ] || chown postgres: "$workdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

cleanup() {
    "${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$workdir"
}
trap cleanup EXIT

"${run_as[@]}" "$bindir/initdb" -D "$workdir/data" -U portal --auth=trust -E UTF8 >/dev/null
"${run_as[@]}" "$bindir/pg_ctl" -D "$workdir/data" -l "$workdir/log" -w \
    -o "-h 127.0.0.1 -p $port -k $workdir -c fsync=off -c full_page_writes=off" start >/dev/null
"${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U portal portal_test

export PORTAL_TEST_POSTGRES_URL="postgresql+psycopg://portal@127.0.0.1:$port/portal_test"
"$@"
