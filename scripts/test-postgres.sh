#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests (issue #21), from Debian's postgresql package:
#   export PRISM_TEST_PG_URL=$(scripts/test-postgres.sh start)   # prints postgres://postgres@127.0.0.1:<port>/postgres
#   scripts/test-postgres.sh stop "$PRISM_TEST_PG_URL"           # stops it and deletes its files
# The vitest globalSetup (test/support/pg-global.ts) does this itself when PRISM_TEST_PG_URL is unset; .ci/run
# starts one for both of its suites.
#
# The cluster lives in a temporary directory: trust authentication, listening on 127.0.0.1 only, on a free port,
# with fsync off (its data is thrown away). It is made with the version's own initdb and pg_ctl rather than
# pg_createcluster, which writes /etc/postgresql and so needs root; as root (initdb refuses root) both run as the
# postgres user, as Debian's wrappers do. Installs the postgresql package with apt-get when no version is
# installed, as .ci/run does for chromium. Messages go to stderr; stdout carries only the URL.
set -euo pipefail

fail() {
  echo "test-postgres: $*" >&2
  exit 1
}

# The bin directory of the newest installed PostgreSQL (/usr/lib/postgresql/<version>/bin).
pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

install_postgres() {
  echo "test-postgres: installing Debian's postgresql for the PostgreSQL tests" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo="sudo"
  { $sudo apt-get update && $sudo apt-get install -y postgresql; } >&2 ||
    fail "PostgreSQL is not installed and apt-get could not install it. Install Debian's postgresql package, or set PRISM_TEST_PG_URL to a server where the tests may create databases (postgres://user@host:port/db)."
}

# Runs a PostgreSQL program as the cluster's owner: the postgres user when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

state_dir() { echo "${TMPDIR:-/tmp}/prism-test-pg-$1"; }

start() {
  local bin port dir
  bin=$(pg_bin) || { install_postgres; bin=$(pg_bin) || fail "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found"; }
  port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
  dir=$(state_dir "$port")
  mkdir "$dir" || fail "$dir already exists (a cluster left behind? scripts/test-postgres.sh stop $port)"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
    fail "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null || fail "PostgreSQL did not start: $(tail -n 5 "$dir/server.log")"
  echo "test-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

# stop <url or port>
stop() {
  local target=${1:-${PRISM_TEST_PG_URL:-}} port dir bin
  [ -n "$target" ] || fail "stop needs the URL start printed (or its port)"
  port=$(echo "$target" | sed -E 's#^.*:([0-9]+)(/.*)?$#\1#')
  [[ "$port" =~ ^[0-9]+$ ]] || fail "no port in '$target'"
  dir=$(state_dir "$port")
  [ -d "$dir/data" ] || fail "no test cluster on port $port ($dir/data is missing)"
  bin=$(pg_bin) || fail "PostgreSQL is not installed"
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) fail "usage: $0 start | stop <url>" ;;
esac
