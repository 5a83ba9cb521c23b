#!/bin/bash
# gm.compute_actuals from two sessions at once (issue 19), printed as TAP:
#  * a second computation of a period waits on the first's advisory lock (seen waiting in
#    pg_stat_activity), then finds the first's rows and writes none of its own;
#  * a sale changed and its period recomputed in one session while a second recomputes too:
#    after both, the stored figures are those of the changed sale, and a third computation
#    writes nothing (the two merges left no duplicate, no stale and no missing row);
#  * another period is not held up by the lock of the first.
# Runs against the server in PGHOST/PGPORT (test/setup.sh starts one).
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
DB=gm_actuals_race
P() { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gm-actuals.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB && P -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" || { nok "set-up"; echo "1..$n"; exit 1; }
P -c "SET client_min_messages = warning" -c "
INSERT INTO gm.grid(code, name) VALUES ('R', 'region');
INSERT INTO gm.grid(code, name, parent_id) SELECT 'G' || i, 'grid ' || i, (SELECT grid_id FROM gm.grid WHERE code = 'R') FROM generate_series(1, 4) i;
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
SELECT 'c' || k, g.grid_id, 'p' || g.code, (ARRAY['tv', 'broadband'])[1 + k % 2], 'visit', 10 * k, DATE '2026-03-01' + k % 31, k % 5 = 0
  FROM gm.grid g, generate_series(1, 40) k WHERE g.code <> 'R';
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
SELECT 'd' || k, g.grid_id, 'p' || g.code, 'tv', 'visit', 5 * k, DATE '2026-04-01' + k % 30, false
  FROM gm.grid g, generate_series(1, 10) k WHERE g.code <> 'R';" >/dev/null \
  || { nok "fixture"; echo "1..$n"; exit 1; }

# wait until a session whose query contains $1 is waiting on an advisory lock (or has $1 running)
wait_for() {
  local i
  for i in $(seq 200); do
    [ "$(P -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%$1%' AND pid <> pg_backend_pid() $2")" -ge 1 ] && return 0
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- 1. the second waits, writes nothing
( psql -X -q -At -d $DB -c "BEGIN" -c "SELECT 'X ' || txid_current()" -c "SELECT 'A ' || gm.compute_actuals('month', '2026-03-01')" \
       -c "SELECT pg_sleep(1.5)" -c "COMMIT" >"$TMP/a" 2>&1 ) &
a=$!
wait_for "pg_sleep(1.5)" "" || nok "the first session started"
( psql -X -q -At -d $DB -c "SELECT 'B ' || gm.compute_actuals('month', '2026-03-01') /* second */" >"$TMP/b" 2>&1 ) &
b=$!
if wait_for "/* second */" "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"; then
  ok "the second computation waits on the first's advisory lock"
else
  nok "the second computation waits on the first's advisory lock"
fi
# another period is not held up meanwhile
check "$(P -c "SELECT gm.compute_actuals('month', '2026-04-01') > 0")" t "another period computes while the first is locked"
wait $a; wait $b
rows=$(sed -n 's/^A //p' "$TMP/a"); xa=$(sed -n 's/^X //p' "$TMP/a")
[ -n "$rows" ] && [ "$rows" -gt 0 ] && ok "the first session computed $rows figures" || { nok "the first session computed"; cat "$TMP/a"; }
check "$(sed -n 's/^B //p' "$TMP/b")" "$rows" "the second, once the first committed, returns the same figures"
check "$(P -c "SELECT count(*) FROM gm.actual WHERE period_start = '2026-03-01'")" "$rows" "stored once each"
check "$(P -c "SELECT count(*) FROM gm.actual WHERE period_start = '2026-03-01' AND xmin::text <> '$xa'")" 0 \
      "every stored row is the first session's: the second rewrote none"

# ---------------------------------------------------------------- 2. a change and two recomputations
( psql -X -q -At -d $DB -c "BEGIN" \
       -c "UPDATE gm.sale SET amount = amount + 0.01 WHERE customer_key = 'c7' AND grid_id = (SELECT grid_id FROM gm.grid WHERE code = 'G2')" \
       -c "SELECT 'A ' || gm.compute_actuals('month', '2026-03-01')" -c "SELECT pg_sleep(1)" -c "COMMIT" >"$TMP/a" 2>&1 ) &
a=$!
wait_for "pg_sleep(1)" "" || nok "the changing session started"
P -c "SELECT gm.compute_actuals('month', '2026-03-01') /* second */" >/dev/null 2>"$TMP/b" || { nok "the concurrent recomputation"; cat "$TMP/b"; }
wait $a
check "$(P -c "SELECT value FROM gm.actual WHERE period_start = '2026-03-01' AND kpi = 'revenue' AND level = 'company' AND product = ''")" \
      "$(P -c "SELECT sum(amount) FROM gm.sale WHERE sold_on >= '2026-03-01' AND sold_on < '2026-04-01'")" \
      "the company's revenue is that of the changed sale"
check "$(P -c "SELECT count(*) FROM gm.actual WHERE period_start = '2026-03-01'")" "$rows" "no figure twice, none missing"
x3=$(P -c "BEGIN" -c "SELECT gm.compute_actuals('month', '2026-03-01')" -c "SELECT count(*) FROM gm.actual WHERE period_start = '2026-03-01' AND xmin::text = txid_current()::text" -c "COMMIT" | tail -1)
check "$x3" 0 "a third computation finds nothing to write"

dropdb --if-exists $DB >/dev/null 2>&1
echo "1..$n"
