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
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The server: the one an explicit PG_CONFIG names (make test PG_CONFIG=..., or the environment),
# else Debian's PostgreSQL 15.  PGVER (the major version) names Debian's packages for deps.
if [ -n "${PG_CONFIG:-}" ]; then
  command -v "$PG_CONFIG" >/dev/null || [[ "$PG_CONFIG" == /usr/lib/postgresql/*/bin/pg_config ]] \
    || die "PG_CONFIG=$PG_CONFIG: no such program"
  if command -v "$PG_CONFIG" >/dev/null; then
    PGVER=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
  else   # a Debian server not installed yet: deps installs it
    PGVER=$(echo "$PG_CONFIG" | sed -E 's|^/usr/lib/postgresql/([0-9]+)/.*|\1|')
  fi
else
  PGVER=15
  PG_CONFIG=/usr/lib/postgresql/$PGVER/bin/pg_config
fi
export PG_CONFIG PGVER
# `make test` builds with -Werror (the Makefile adds it when GM_WERROR is set); plain `make` does not
export GM_WERROR=${GM_WERROR:-1}
# the installation's directories (Debian's layout until the server is installed)
pgdirs() {
  if command -v "$PG_CONFIG" >/dev/null; then
    SYS_BIN=$("$PG_CONFIG" --bindir); SYS_LIB=$("$PG_CONFIG" --pkglibdir)
    SYS_SHARE=$("$PG_CONFIG" --sharedir); SYS_INC=$("$PG_CONFIG" --includedir-server)
  else
    SYS_BIN=/usr/lib/postgresql/$PGVER/bin; SYS_LIB=/usr/lib/postgresql/$PGVER/lib
    SYS_SHARE=/usr/share/postgresql/$PGVER; SYS_INC=/usr/include/postgresql/$PGVER/server
  fi
}
pgdirs

if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi

# ---------------------------------------------------------------- packages
deps() {
  local need=()
  # (test/chroot.sh installs the same list for 17 and 18: keep the two in step)
  [ -x "$SYS_BIN/postgres" ]                                 || need+=(postgresql-$PGVER)
  [ -f "$SYS_INC/postgres.h" ]                               || need+=(postgresql-server-dev-$PGVER)
  [ -f "$SYS_SHARE/extension/postgis.control" ]              || need+=(postgresql-$PGVER-postgis-3)
  [ -f "$SYS_SHARE/extension/pgtap.control" ]                || need+=(postgresql-$PGVER-pgtap)
  command -v pg_prove >/dev/null                             || need+=(libtap-parser-sourcehandler-pgtap-perl)
  [ -f "$SYS_SHARE/extension/orafce.control" ]               || need+=(postgresql-$PGVER-orafce)
  [ -f "$SYS_LIB/pgaudit.so" ]                               || need+=(postgresql-$PGVER-pgaudit)
  [ -f "$SYS_LIB/pg_cron.so" ]                               || need+=(postgresql-$PGVER-cron)
  # type_roundtrip.sql uses an old zone name; from Debian 13 the old names are in tzdata-legacy
  [ -e /usr/share/zoneinfo/America/Argentina/ComodRivadavia ] || need+=(tzdata-legacy)
  command -v bc >/dev/null                                   || need+=(bc)
  command -v ogrinfo >/dev/null                              || need+=(gdal-bin)   # tiles.sh decodes vector tiles
  /usr/bin/python3 -c 'import jsonschema' 2>/dev/null        || need+=(python3-jsonschema)   # meta.sh validates META.json
  command -v zip >/dev/null && command -v unzip >/dev/null   || need+=(zip unzip)   # make dist
  command -v chromium >/dev/null                             || need+=(chromium)   # dashboard.sh loads the dashboard
  command -v make >/dev/null && command -v gcc >/dev/null    || need+=(build-essential)
  # packages the distribution lacks (test/chroot.sh names them): not asked for; the tests that
  # need them report it
  if [ -n "${GM_DEPS_SKIP:-}" ] && [ ${#need[@]} -gt 0 ]; then
    local p keep=()
    for p in "${need[@]}"; do [[ " $GM_DEPS_SKIP " == *" $p "* ]] && say "skipped: $p (not packaged here)" || keep+=("$p"); done
    need=(${keep[@]+"${keep[@]}"})
  fi
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]}"
    $SUDO apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null \
      || die "apt-get install ${need[*]} failed"
  fi
  pgdirs
}

# ---------------------------------------------------------------- build + install
PGBIN=$SYS_BIN
pg_root() {
  PGBIN=$SYS_BIN
  [ -n "${GM_PG_ROOT:-}" ] || return 0
  # a private, relocated copy of the PostgreSQL installation (binaries find share/ and lib/
  # relative to themselves), so parallel checkouts do not overwrite each other's install
  PGBIN=$GM_PG_ROOT$SYS_BIN
  [ -x "$PGBIN/postgres" ] && return 0
  say "copying PostgreSQL $PGVER into $GM_PG_ROOT"
  local d top=$(dirname "$SYS_BIN")   # Debian: /usr/lib/postgresql/N (bin/, lib/)
  for d in "$top" "$SYS_SHARE"; do
    case "$d" in "$top"/*) [ "$d" != "$top" ] && continue ;; esac
    mkdir -p "$GM_PG_ROOT$(dirname "$d")"
    cp -a "$d" "$GM_PG_ROOT$(dirname "$d")/" || die "cannot copy $d into $GM_PG_ROOT"
  done
  chmod -R a+rX "$GM_PG_ROOT"
}
build_install() {
  say "building grid_marketing"
  make -s >/dev/null || { make 2>&1 | grep -E 'error|warning' | head -40; die "build failed"; }
  if [ -n "${GM_PG_ROOT:-}" ]; then
    pg_root
    make -s install DESTDIR="$GM_PG_ROOT" >/dev/null || die "install failed"
  else
    $SUDO make -s install >/dev/null || die "install failed"
  fi
}
# the server under test, on the first lines of the output
show_server() {
  local v
  v=$(psql -X -At -c "SELECT version()" -d postgres 2>&1) || die "cannot reach the server: $v"
  echo "server: $v"
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
  [ -n "$CLUSTER_DIR" ] && return 0   # already started (test mode starts it before the build)
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
  # 15 prints "test name ... ok" / "... FAILED"; 16 and later print TAP: "ok 1 - name", "not ok 2 - name"
  rp=$(echo "$out" | grep -cE '^(test| )+[^ ].* \.\.\. ok|^ok [0-9]+ +[-+] ' || true)
  rf=$(echo "$out" | grep -cE '\.\.\. FAILED|^not ok [0-9]+ +[-+] ' || true)
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
  test)  deps; pg_root; start_cluster; show_server; build_install; run_tests ;;
  bench) deps; build_install; run_bench ;;
  stress) deps; build_install; run_stress ;;
  *) die "unknown mode $MODE" ;;
esac
