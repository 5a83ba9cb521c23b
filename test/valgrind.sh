#!/bin/bash
# test/valgrind.sh — run the whole test suite (`make test`: pg_regress, pgTAP, test/scripts)
# against a PostgreSQL server that runs under valgrind memcheck, and report the errors.
#
# NOT run by `make test` (it takes 20-60 minutes on a small machine).  Usage:
#
#     GM_PG_ROOT=/work/pgroot/me GM_TEST_PORT=55449 test/valgrind.sh
#
#  * builds and installs the extension like `make test` does (into GM_PG_ROOT when set);
#  * initdb's a throwaway cluster and starts the postgres binary (of GM_PG_ROOT when set) under
#    `valgrind --tool=memcheck --trace-children=yes`, one log file per process
#    ($GM_VG_DIR/vg.<pid>.log, default a fresh directory under /tmp, kept afterwards);
#    every backend, parallel worker and auxiliary process is forked from it, so all run under
#    memcheck; JIT is off (LLVM code under memcheck is slow and noisy);
#  * runs `make test` against it (test/setup.sh uses an existing server when PGHOST/PGPORT
#    are set), then stops the server;
#  * prints every memcheck error record, with the number of records per process log, and
#    separately the records whose stack goes through grid_marketing.so.
#
# test/valgrind.supp suppresses known PostgreSQL noise (uninitialised padding bytes written
# to files/sockets, and the like: what the suppressions file of PostgreSQL's source tree,
# not shipped by Debian, covers).  Server built without USE_VALGRIND: memory handed out by
# palloc is not tracked chunk by chunk, so reads past a palloc'd chunk inside one block are
# not seen; reads of uninitialised memory and of freed/unallocated malloc memory are.
#
# Exit status: 0 when no memcheck error was reported in grid_marketing.so and `make test`
# passed; 1 otherwise.  Environment: GM_VG_OPTS adds valgrind options; GM_VG_DIR sets the log
# directory; GM_VG_SUPP replaces the suppressions file (e.g. to see the suppressed noise).
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
# the server an explicit PG_CONFIG names (as make test), else Debian's PostgreSQL 15
SYS_BIN=$("${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}" --bindir 2>/dev/null) || SYS_BIN=/usr/lib/postgresql/15/bin
PGBIN=${GM_PG_ROOT:-}$SYS_BIN
PORT=${GM_TEST_PORT:-55432}
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind is not installed (apt-get install valgrind)"
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# build + install (and create the private PostgreSQL copy) exactly as make test does: run the
# deps/build part of setup.sh through `make test` later; here only make sure the copy exists
if [ -n "${GM_PG_ROOT:-}" ] && [ ! -x "$PGBIN/postgres" ]; then
  say "no private PostgreSQL copy in $GM_PG_ROOT yet: running make test once to create it"
  make -s test >/dev/null 2>&1
  [ -x "$PGBIN/postgres" ] || die "$PGBIN/postgres missing"
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-valgrind.XXXXXX")
VGDIR=${GM_VG_DIR:-$DIR/logs}
mkdir -p "$VGDIR"
chmod 777 "$DIR" "$VGDIR"
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
SERVER_PID=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    asdb "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w -t 600 stop >/dev/null 2>&1
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
  fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

say "initdb in $DIR/data"
asdb "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || asdb "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log"; die "initdb failed"; }

say "starting postgres under valgrind (logs: $VGDIR/vg.<pid>.log)"
# shellcheck disable=SC2086
asdb valgrind --tool=memcheck --trace-children=yes --error-limit=no --num-callers=30 \
  --leak-check=no --read-var-info=no --track-origins=no --show-error-list=yes \
  --suppressions="${GM_VG_SUPP:-$TOP/test/valgrind.supp}" --log-file="$VGDIR/vg.%p.log" ${GM_VG_OPTS:-} \
  "$PGBIN/postgres" -D "$DIR/data" -p "$PORT" -k "$DIR" -c listen_addresses='' \
  -c jit=off -c max_connections=40 -c statement_timeout=0 \
  >"$DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  "$PGBIN/pg_isready" -q -h "$DIR" -p "$PORT" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DIR/server.log"; die "server died"; }
  sleep 1
done
"$PGBIN/pg_isready" -q -h "$DIR" -p "$PORT" || die "server did not start in 300 s"

say "make test against the server under valgrind"
PGHOST=$DIR PGPORT=$PORT PGUSER=postgres make -s test >"$DIR/test.log" 2>&1
test_rc=$?
grep -E '^[0-9]+ passed, [0-9]+ failed' "$DIR/test.log" || tail -n 3 "$DIR/test.log"
stop_server
trap - EXIT

# --------------------------------------------------------------------------- report
say "memcheck errors (valgrind logs in $VGDIR)"
# the first line of a memcheck error record
HDR='^==[0-9]+== (Invalid |Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination overlap|Argument |Jump to |Process terminating)'
total=0; gm=0
for f in "$VGDIR"/vg.*.log; do
  [ -e "$f" ] || continue
  n=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -n 1)
  n=${n:-0}
  [ "$n" -gt 0 ] || continue
  total=$((total + n))
  echo "---- $(basename "$f"): $n error(s)"
  # the error records: from a line that is not a stack line up to the blank line after it
  awk -v H="$HDR" '$0 ~ H {p=1}
       p {print} /^==[0-9]+== $/ {p=0}' "$f"
done
echo "== $total memcheck error(s) in total"
echo "== suppressions used (count name), summed over all processes:"
grep -h 'used_suppression:' "$VGDIR"/vg.*.log 2>/dev/null | awk '{n[$4] += $3} END {for (k in n) printf "   %6d %s\n", n[k], k}' | sort -k2
gmrecs=$(for f in "$VGDIR"/vg.*.log; do
  [ -e "$f" ] || continue
  awk -v F="$(basename "$f")" -v H="$HDR" '
    $0 ~ H {rec=$0 "\n"; inrec=1; hit=0; next}
    inrec && /^==[0-9]+== $/ {if (hit) printf "---- %s\n%s", F, rec; inrec=0; next}
    inrec {rec=rec $0 "\n"; if ($0 ~ /grid_marketing\.so/) hit=1}' "$f"
done)
if [ -n "$gmrecs" ]; then
  gm=$(printf '%s\n' "$gmrecs" | grep -c '^---- ')
  echo "== $gm error record(s) in grid_marketing.so:"
  printf '%s\n' "$gmrecs"
else
  echo "== 0 error records in grid_marketing.so"
fi
echo "== make test: $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$DIR/test.log" || echo 'did not finish') (full log: $DIR/test.log)"
[ "$gm" = 0 ] && [ "$test_rc" = 0 ]
