#!/bin/bash
# Alerts pushed and remembered (issue 19), printed as TAP:
#  * a second connection LISTENing on gm_alert receives one notification per new alert of
#    gm.evaluate_alerts, its JSON payload naming the alert as stored;
#  * evaluating again sends nothing and stores nothing new;
#  * two sessions evaluating at once (the second while the first has not committed) store each
#    condition once and push it once: the unique open condition_key makes the second wait, then
#    find the alert there.
# Runs against the server in PGHOST/PGPORT (test/setup.sh starts one).
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
DB=gm_alerts
P() { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gm-alerts.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB && P -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" || { nok "set-up"; echo "1..$n"; exit 1; }
P -c "SET client_min_messages = warning" -c "
INSERT INTO gm.grid(code, name) VALUES ('R', 'region');
INSERT INTO gm.grid(code, name, parent_id) SELECT 'G' || i, 'grid ' || i, (SELECT grid_id FROM gm.grid WHERE code = 'R') FROM generate_series(1, 4) i;
INSERT INTO gm.spend(grid_id, channel, day, amount, planned)
SELECT g.grid_id, 'visit', ('2026-03-0' || k)::date, 100 + 20 * k * (g.grid_id % 3), 100 FROM gm.grid g, generate_series(1, 5) k WHERE g.code <> 'R';" >/dev/null \
  || { nok "fixture"; echo "1..$n"; exit 1; }

# listen in a second connection while $1 runs in this one; prints the payloads received
listen_while() {
  local out=$TMP/listen.$RANDOM
  ( psql -X -d $DB -c "LISTEN gm_alert" -c "SELECT pg_sleep(3)" -c "SELECT 'done'" >"$out" 2>&1 ) &
  local l=$!
  for i in $(seq 100); do
    [ "$(P -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()")" -ge 1 ] && break
    sleep 0.05
  done
  eval "$1"
  wait $l
  sed -n 's/^Asynchronous notification "gm_alert" with payload "\(.*\)" received from server process with PID [0-9]*\.$/\1/p' "$out"
}

# ---------------------------------------------------------------- 1. pushed once per new alert
payloads=$(listen_while 'new=$(P -c "SELECT count(*) FROM gm.evaluate_alerts('"'month', '2026-03-01', '2026-03-31'"')")')
stored=$(P -c "SELECT count(*) FROM gm.alert")
[ "$stored" -gt 0 ] && ok "the first evaluation stores alerts ($stored)" || nok "the first evaluation stores alerts"
check "$(echo "$payloads" | grep -c .)" "$stored" "the listening connection received one notification per new alert"
printf '%s\n' "$payloads" > "$TMP/payloads"
P -c "CREATE TABLE got(p jsonb)" -c "\\copy got(p) FROM '$TMP/payloads' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" >/dev/null 2>&1 \
  && ok "every payload is JSON" || nok "every payload is JSON"
check "$(P -c "SELECT count(*) FROM got g JOIN gm.alert a ON a.alert_id = (g.p->>'alert_id')::bigint
                AND a.rule = g.p->>'rule' AND a.level = (g.p->>'level')::int AND a.period_start::text = g.p->>'period_start'
                AND a.value = (g.p->>'value')::numeric AND a.threshold = (g.p->>'threshold')::numeric AND a.detail = g.p->>'detail'
                AND a.grid_id = (g.p->>'grid_id')::bigint AND (SELECT code FROM gm.grid WHERE grid_id = a.grid_id) = g.p->>'grid_code'")" \
      "$stored" "each payload names its stored alert: id, rule, level, period, value, threshold, detail, grid id and code"
check "$(P -c "SELECT count(DISTINCT p->>'alert_id') FROM got")" "$stored" "no alert pushed twice"

# ---------------------------------------------------------------- 2. re-evaluation is silent
payloads=$(listen_while 'again=$(P -c "SELECT count(*) FROM gm.evaluate_alerts('"'month', '2026-03-01', '2026-03-31'"')")')
check "$(echo "$payloads" | grep -c .)" 0 "evaluating again sends nothing"
check "$(P -c "SELECT count(*) FROM gm.alert")" "$stored" "and stores nothing new"
check "$(P -c "SELECT count(*) FROM gm.alert WHERE last_seen > first_seen")" "$stored" "the alerts are marked seen again"

# ---------------------------------------------------------------- 3. two sessions at once
P -c "DELETE FROM gm.alert" >/dev/null
race() {
  ( psql -X -q -At -d $DB -c "BEGIN" -c "SELECT 'A ' || count(*) FROM gm.evaluate_alerts('month', '2026-03-01', '2026-03-31')" \
         -c "SELECT pg_sleep(1)" -c "COMMIT" >"$TMP/a" 2>&1 ) &
  local a=$!
  for i in $(seq 100); do
    [ "$(P -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()")" -ge 1 ] && break
    sleep 0.05
  done
  psql -X -q -At -d $DB -c "SELECT 'B ' || count(*) FROM gm.evaluate_alerts('month', '2026-03-01', '2026-03-31')" >"$TMP/b" 2>&1
  wait $a
}
payloads=$(listen_while race)
check "$(grep -h '^[AB] ' "$TMP/a" "$TMP/b" | sort | tr '\n' ' ')" "A $stored B 0 " \
      "the first session raises every alert, the second (which waited on the first) none"
check "$(P -c "SELECT count(*) || '/' || count(DISTINCT condition_key) FROM gm.alert")" "$stored/$stored" "each condition stored once"
check "$(echo "$payloads" | grep -c .)" "$stored" "and pushed once"

# ---------------------------------------------------------------- 4. acknowledged, resolved, raised again
id=$(P -c "SELECT min(alert_id) FROM gm.alert")
check "$(P -c "SELECT (gm.acknowledge_alert($id)).acknowledged_by IS NOT NULL")" t "acknowledged"
check "$(P -c "SELECT (gm.resolve_alert($id)).resolved_at IS NOT NULL")" t "resolved"
payloads=$(listen_while 'x=$(P -c "SELECT count(*) FROM gm.evaluate_alerts('"'month', '2026-03-01', '2026-03-31'"')")')
check "$(echo "$payloads" | grep -c .)" 1 "the condition found again after it was resolved is pushed again, once"

dropdb --if-exists $DB >/dev/null 2>&1
echo "1..$n"
