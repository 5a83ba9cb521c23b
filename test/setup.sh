#!/bin/bash
# test/setup.sh deps|demo|test|bench|stress — the whole set-up behind `make demo`, `make test`,
# `make bench`, `make stress`.
#
#  * installs what is missing from Debian's packages (apt-get update first; sudo when not root);
#  * builds and installs the extension (into a private copy of PostgreSQL when GM_PG_ROOT is
#    set, so several checkouts can be tested at once without touching the system's files);
#  * uses the server PGHOST/PGPORT name, or starts a throwaway cluster in a temporary directory
#    (Unix socket only, run as the postgres user when we are root) and stops it at the end;
#  * then runs the demo, the tests (pg_regress + pgTAP + test/scripts) or the benchmarks;
#    stress: the long form of test/scripts/stress.sh only (its own cluster; GM_STRESS_LONG=1).
set -u -o pipefail
MODE=${1:?usage: test/setup.sh deps|demo|test|bench|stress}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
PGVER=15
SYS_BIN=/usr/lib/postgresql/$PGVER/bin
export PG_CONFIG=$SYS_BIN/pg_config
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# ---------------------------------------------------------------- packages
deps() {
  local need=()
  [ -x $SYS_BIN/postgres ]                                   || need+=(postgresql-$PGVER)
  [ -f /usr/include/postgresql/$PGVER/server/postgres.h ]    || need+=(postgresql-server-dev-$PGVER)
  [ -f /usr/share/postgresql/$PGVER/extension/postgis.control ] || need+=(postgresql-$PGVER-postgis-3)
  [ -f /usr/share/postgresql/$PGVER/extension/pgtap.control ]   || need+=(postgresql-$PGVER-pgtap)
  command -v pg_prove >/dev/null                             || need+=(libtap-parser-sourcehandler-pgtap-perl)
  [ -f /usr/share/postgresql/$PGVER/extension/orafce.control ]  || need+=(postgresql-$PGVER-orafce)
  [ -f /usr/lib/postgresql/$PGVER/lib/pgaudit.so ]             || need+=(postgresql-$PGVER-pgaudit)
  [ -f /usr/lib/postgresql/$PGVER/lib/pg_cron.so ]             || need+=(postgresql-$PGVER-cron)
  command -v bc >/dev/null                                   || need+=(bc)
  command -v ogrinfo >/dev/null                              || need+=(gdal-bin)   # tiles.sh decodes vector tiles
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null        || need+=(python3-jsonschema)   # meta.sh validates META.json
  command -v zip >/dev/null && command -v unzip >/dev/null   || need+=(zip unzip)   # make dist
  command -v chromium >/dev/null                             || need+=(chromium)   # dashboard.sh loads the dashboard
  command -v make >/dev/null && command -v gcc >/dev/null    || need+=(build-essential)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
      || die "apt-get install ${need[*]} failed"
  fi
}

# ---------------------------------------------------------------- build + install
PGBIN=$SYS_BIN
build_install() {
  say "building grid_marketing"
  make -s >/dev/null || die "build failed"
  if [ -n "${GM_PG_ROOT:-}" ]; then
    # a private, relocated copy of the PostgreSQL installation (binaries find share/ and lib/
    # relative to themselves), so parallel checkouts do not overwrite each other's install
    if [ ! -x "$GM_PG_ROOT$SYS_BIN/postgres" ]; then
      say "copying PostgreSQL into $GM_PG_ROOT"
      mkdir -p "$GM_PG_ROOT/usr/lib/postgresql" "$GM_PG_ROOT/usr/share/postgresql"
      cp -a /usr/lib/postgresql/$PGVER "$GM_PG_ROOT/usr/lib/postgresql/"
      cp -a /usr/share/postgresql/$PGVER "$GM_PG_ROOT/usr/share/postgresql/"
      chmod -R a+rX "$GM_PG_ROOT"
    fi
    make -s install DESTDIR="$GM_PG_ROOT" >/dev/null || die "install failed"
    PGBIN=$GM_PG_ROOT$SYS_BIN
  else
    $SUDO make -s install >/dev/null || die "install failed"
  fi
}

# ---------------------------------------------------------------- throwaway cluster
CLUSTER_DIR=
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_cluster() {
  [ -n "$CLUSTER_DIR" ] || return 0
  asdb "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1
  rm -rf "$CLUSTER_DIR"; CLUSTER_DIR=
}
start_cluster() {
  if [ -n "${PGHOST:-}" ] || [ -n "${PGPORT:-}" ]; then
    say "using the server at ${PGHOST:-default}:${PGPORT:-5432}"
    return 0
  fi
  CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-cluster.XXXXXX")
  chmod 755 "$CLUSTER_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$CLUSTER_DIR"
  trap stop_cluster EXIT
  trap 'exit 130' INT TERM
  local port=${GM_TEST_PORT:-55432}
  say "starting a throwaway cluster in $CLUSTER_DIR"
  asdb "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || asdb "$PGBIN/initdb" -D "$CLUSTER_DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$CLUSTER_DIR/initdb.log" 2>&1 \
    || { cat "$CLUSTER_DIR/initdb.log"; die "initdb failed"; }
  asdb "$PGBIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w \
    -o "-p $port -k $CLUSTER_DIR -c listen_addresses='' ${GM_SERVER_OPTS:-}" start >/dev/null \
    || { cat "$CLUSTER_DIR/server.log"; die "cluster start failed"; }
  export PGHOST=$CLUSTER_DIR PGPORT=$port PGUSER=postgres
}

psqlx() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------- demo
run_demo() {
  start_cluster
  dropdb --if-exists gm_demo >/dev/null 2>&1; createdb gm_demo || die "createdb gm_demo failed"
  psqlx -d gm_demo -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" || die "CREATE EXTENSION failed"
  say "loading the sample city"
  psqlx -d gm_demo -f doc/sample_city.sql || die "loading the sample city failed"
  say "running doc/demo.sql"
  psqlx -d gm_demo -P pager=off -f doc/demo.sql || die "the demo failed"
  if [ -s demo-map.svg ]; then say "wrote $TOP/demo-map.svg"; fi
  if [ -s demo-dashboard.html ]; then say "wrote $TOP/demo-dashboard.html"; fi
}

# ---------------------------------------------------------------- tests
run_tests() {
  start_cluster
  local pass=0 fail=0 out
  # 1. pg_regress
  say "pg_regress (installcheck)"
  rm -rf results regression.diffs regression.out
  out=$(make installcheck 2>&1); echo "$out"
  local rp rf
  rp=$(echo "$out" | grep -cE '^(test| )+[^ ].* \.\.\. ok' || true)
  rf=$(echo "$out" | grep -cE '\.\.\. FAILED' || true)
  if [ "$rp" = 0 ] && [ "$rf" = 0 ]; then rf=1; echo "pg_regress ran no test"; fi
  [ -f regression.diffs ] && { echo "---- regression.diffs"; cat regression.diffs; }
  pass=$((pass + rp)); fail=$((fail + rf))

  # 2. pgTAP: each file in a fresh database cloned from a template with the extensions in it
  say "pgTAP (pg_prove)"
  dropdb --if-exists gm_tap_template >/dev/null 2>&1
  createdb gm_tap_template && psqlx -d gm_tap_template -c "SET client_min_messages = warning" \
    -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION grid_marketing CASCADE" || die "cannot prepare the pgTAP template"
  local f db tp tf
  for f in test/pgtap/*.sql; do
    [ -e "$f" ] || continue
    db=gm_tap_$(basename "$f" .sql | tr -c 'a-zA-Z0-9_\n' _)
    dropdb --if-exists "$db" >/dev/null 2>&1; createdb -T gm_tap_template "$db"
    out=$(GM_TEST_DB=$db pg_prove -v -d "$db" "$f" 2>&1); local rc=$?
    tp=$(echo "$out" | grep -cE '^ *ok [0-9]+' || true)
    tf=$(echo "$out" | grep -cE '^ *not ok [0-9]+' || true)
    [ $rc -ne 0 ] && [ "$tf" = 0 ] && tf=1
    if [ "$tf" -gt 0 ]; then echo "$out"; else echo "$(basename "$f"): $tp ok"; fi
    pass=$((pass + tp)); fail=$((fail + tf))
    dropdb --if-exists "$db" >/dev/null 2>&1
  done

  # 3. scripted tests (several clusters, upgrades, sessions): each prints TAP lines
  for f in test/scripts/*.sh; do
    [ -e "$f" ] || continue
    say "$(basename "$f")"
    out=$(PGBIN=$PGBIN GM_PG_ROOT=${GM_PG_ROOT:-} bash "$f" 2>&1); local rc=$?
    tp=$(echo "$out" | grep -cE '^ *ok [0-9]+' || true)
    tf=$(echo "$out" | grep -cE '^ *not ok [0-9]+' || true)
    [ $rc -ne 0 ] && [ "$tf" = 0 ] && tf=1
    echo "$out" | grep -vE '^ *ok [0-9]+' || true
    echo "$(basename "$f"): $tp ok, $tf failed"
    pass=$((pass + tp)); fail=$((fail + tf))
  done

  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}

# ---------------------------------------------------------------- benchmarks
run_bench() {
  GM_SERVER_OPTS="${GM_SERVER_OPTS:-} -c shared_buffers=1GB -c work_mem=128MB -c max_parallel_workers_per_gather=2" start_cluster
  dropdb --if-exists gm_bench >/dev/null 2>&1; createdb gm_bench
  psqlx -d gm_bench -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -f test/bench/lib.sql >/dev/null || die "bench set-up failed"
  local f
  for f in test/bench/*.sql; do
    [ "$(basename "$f")" = lib.sql ] && continue
    [ -n "${GM_BENCH:-}" ] && [[ "$(basename "$f" .sql)" != *"$GM_BENCH"* ]] && continue
    say "bench $(basename "$f" .sql)"
    psqlx -d gm_bench -f "$f" >/dev/null || echo "bench $(basename "$f") failed"
  done
  # scripted benchmarks (several clusters): they add their rows to bench.result themselves
  for f in test/bench/*.sh; do
    [ -e "$f" ] || continue
    [ -n "${GM_BENCH:-}" ] && [[ "$(basename "$f" .sh)" != *"$GM_BENCH"* ]] && continue
    say "bench $(basename "$f" .sh)"
    PGBIN=$PGBIN BENCH_DB=gm_bench bash "$f" || echo "bench $(basename "$f") failed"
  done
  psqlx -d gm_bench -P pager=off -c "SELECT * FROM bench.report()"
  psql -X -q -At -d gm_bench -c "SELECT * FROM bench.report_md()" > "$TOP/bench-report.md" \
    && say "wrote $TOP/bench-report.md (tools/readme_bench.sh puts it into README.md)"
}

# ---------------------------------------------------------------- long stress run
run_stress() {
  # the script starts and stops a cluster of its own (port GM_STRESS_PORT, default 55493)
  say "stress.sh, long form (GM_STRESS_LONG=1)"
  local out rc
  out=$(PGBIN=$PGBIN GM_PG_ROOT=${GM_PG_ROOT:-} GM_STRESS_LONG=1 bash test/scripts/stress.sh 2>&1); rc=$?
  echo "$out" | grep -vE '^ *ok [0-9]+' || true
  local tp tf
  tp=$(echo "$out" | grep -cE '^ *ok [0-9]+' || true)
  tf=$(echo "$out" | grep -cE '^ *not ok [0-9]+' || true)
  [ $rc -ne 0 ] && [ "$tf" = 0 ] && tf=1
  echo "$tp passed, $tf failed"
  [ "$tf" = 0 ]
}

case "$MODE" in
  deps)  deps ;;
  demo)  deps; build_install; run_demo ;;
  test)  deps; build_install; run_tests ;;
  bench) deps; build_install; run_bench ;;
  stress) deps; build_install; run_stress ;;
  *) die "unknown mode $MODE" ;;
esac
