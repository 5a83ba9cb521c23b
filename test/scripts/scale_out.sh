#!/bin/bash
# Scale-out across servers, printed as TAP lines: the server in PGHOST/PGPORT is the coordinator;
# two throwaway shard clusters (Unix sockets in a temporary directory) hold the partitions of a
# survey table partitioned by region, reached through postgres_fdw servers declared with
# OPTIONS (extensions 'grid_marketing').  Checks that grouped KPI aggregates and the IMMUTABLE
# functions (masking, RFM scoring on a gm.rfm_breaks value, calendar arithmetic on a gm.calendar
# value) run on the shards (EXPLAIN VERBOSE: Remote SQL), that STABLE lookups by name stay on the
# coordinator, that every answer equals the single-server answer, and that gm.push_config keeps
# the configuration in step.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
is()  { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got:      $(echo "$1" | head -3)"; echo "#   expected: $(echo "$2" | head -3)"; fi; }
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DB=gm_scale; SDB=gm_scale_shard
DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-shards.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
PORTS=(0 55511 55512)
cleanup() { for s in 1 2; do asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -m fast -w stop >/dev/null 2>&1; done; rm -rf "$DIR"; dropdb --if-exists $DB >/dev/null 2>&1; }
trap cleanup EXIT
q()  { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
sq() { local s=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p ${PORTS[$s]} -d $SDB "$@"; }
COLS="id int, region int, grid_id int, score int, phone text, d date, r float8, f float8, m float8"

dropdb --if-exists $DB >/dev/null 2>&1; createdb $DB
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE EXTENSION postgres_fdw" >/dev/null
q -c "SELECT setseed(0.42)" -c "
CREATE TABLE survey_local ($COLS);
INSERT INTO survey_local
SELECT i, reg, reg*1000 + 1 + (random()*299)::int, (random()*10)::int,
       CASE WHEN i % 5 = 0 THEN '+86 138-' || lpad((i % 10000)::text, 4, '0') || '-' || lpad((i * 7 % 10000)::text, 4, '0')
            ELSE '1' || (3 + (random()*6)::int) || lpad((random()*999999999)::bigint::text, 9, '0') END,
       '2026-01-01'::date + (random()*330)::int, (random()*365)::int, (1 + random()*50)::int, round((random()*10000)::numeric, 2)
FROM (SELECT i, CASE WHEN random() < 0.55 THEN 1 ELSE 2 END AS reg FROM generate_series(1, 60000) i) s;
ANALYZE survey_local;
SELECT gm.create_calendar('shop', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00');
SELECT gm.set_calendar_day('shop', d, false, 'closed') FROM unnest('{2026-02-16,2026-02-17,2026-10-01,2026-10-02}'::date[]) d;
INSERT INTO gm.grid(code, name, kind, geom) VALUES ('S1', 'shard grid', 'physical', ST_Multi(ST_MakeEnvelope(0,0,10,10)));" >/dev/null \
  || { nok "coordinator set-up"; exit 1; }

servers=""
for s in 1 2; do
  asdb "$PGBIN/initdb" -D "$DIR/shard$s" -U postgres -A trust >/dev/null 2>&1 || { nok "initdb shard $s"; exit 1; }
  asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -l "$DIR/shard$s.log" -w -o "-p ${PORTS[$s]} -k $DIR -c listen_addresses=''" start >/dev/null \
    || { nok "start shard $s"; cat "$DIR/shard$s.log"; exit 1; }
  createdb -h "$DIR" -p ${PORTS[$s]} $SDB
  sq $s -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE TABLE survey ($COLS)" >/dev/null
  q -c "COPY (SELECT * FROM survey_local WHERE region = $s) TO STDOUT" | sq $s -c "COPY survey FROM STDIN"
  sq $s -c "ANALYZE survey"
  servers="$servers
CREATE SERVER shard$s FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$DIR', port '${PORTS[$s]}', dbname '$SDB', extensions 'grid_marketing', fetch_size '10000');
CREATE USER MAPPING FOR CURRENT_USER SERVER shard$s OPTIONS (user 'postgres');
CREATE FOREIGN TABLE survey_r$s PARTITION OF survey FOR VALUES IN ($s) SERVER shard$s OPTIONS (table_name 'survey');"
done
q -c "CREATE TABLE survey ($COLS) PARTITION BY LIST (region); $servers" -c "ANALYZE survey" >/dev/null && ok "coordinator with two postgres_fdw shards" \
  || { nok "coordinator with two postgres_fdw shards"; exit 1; }

SETS=(-c "SET client_min_messages = warning" -c "SET enable_partitionwise_aggregate = on" -c "SET TimeZone = 'America/Los_Angeles'")
# errors go to stderr (shown as diagnostics), never into the text compared: a query failing the
# same way on the coordinator and on the single server must not count as "equal"
plan() { q "${SETS[@]}" -c "EXPLAIN VERBOSE $1"; }
rows() { local out rc; out=$(q "${SETS[@]}" -c "$1") ; rc=$?; echo "$out" | LC_ALL=C sort; return $rc; }
shipped() { echo "$2" | awk -v s="$1" '/Foreign Scan|Relations:/ {rel = $0}
  /Remote SQL:/ && index($0, s) && match(rel, /survey_r[0-9]+/) {print substr(rel, RSTART, RLENGTH)}' | sort -u | wc -l; }
same() { local a b ra rb; a=$(rows "$1"); ra=$?; b=$(rows "${1// survey / survey_local }"); rb=$?
  if [ $ra = 0 ] && [ $rb = 0 ] && [ -n "$b" ] && [ "$a" = "$b" ]; then ok "$2: equal to the single server ($(echo "$b" | wc -l) rows)"; else nok "$2: equal to the single server"; diff <(echo "$a") <(echo "$b") | head -5 | sed 's/^/#   /'; fi; }

NPS="SELECT region, grid_id, gm.nps(score) FROM survey GROUP BY region, grid_id"
is "$(shipped 'gm.nps(' "$(plan "$NPS")")" 2 "gm.nps grouped by the partition key runs on both shards"
same "$NPS" "gm.nps by region, grid"
groups=$(rows "$NPS" | wc -l)
# (18 prints actual rows with two decimals: rows=300.00)
moved=$(q "${SETS[@]}" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) $NPS" | grep 'Foreign Scan' \
  | sed -n 's/.* rows=\([0-9.]*\) loops=\([0-9]*\).*/\1 \2/p' | awk '{ s += $1 * $2 } END { if (NR) printf "%d\n", s + 0.5 }')
is "$moved" "$groups" "the shards send one row per group ($groups), not the survey rows"

MASK="SELECT id, gm.mask_phone(phone) FROM survey WHERE gm.mask_phone(phone) LIKE '138%'"
is "$(shipped 'gm.mask_phone(' "$(plan "$MASK")")" 2 "WHERE gm.mask_phone(...) is shipped to both shards"
same "$MASK" "gm.mask_phone filter"

brk=$(q -c "SELECT gm.rfm_breaks(r, f, m)::text FROM survey_local")
RFM="SELECT id FROM survey WHERE gm.rfm_score(r, f, m, '$brk'::gm.rfm_breaks) = '555'::gm.rfm"
is "$(shipped 'gm.rfm_score(' "$(plan "$RFM")")" 2 "WHERE gm.rfm_score(..., <gm.rfm_breaks value>) is shipped to both shards"
same "$RFM" "gm.rfm_score filter"

cal=$(q -c "SELECT gm.calendar('shop')::text")
BYVAL="SELECT id, gm.add_working_days(d, 3, '$cal'::gm.calendar) FROM survey WHERE gm.add_working_days(d, 3, '$cal'::gm.calendar) - d >= 5"
BYNAME="SELECT id, gm.add_working_days(d, 3, gm.calendar('shop')) FROM survey WHERE gm.add_working_days(d, 3, gm.calendar('shop')) - d >= 5"
is "$(shipped 'gm.add_working_days(' "$(plan "$BYVAL")")" 2 "calendar arithmetic on a gm.calendar value is shipped to both shards"
same "$BYVAL" "gm.add_working_days on a calendar value"
p=$(plan "$BYNAME")
is "$(shipped 'gm.add_working_days(' "$p"):$(echo "$p" | grep -c 'Remote SQL:')" "0:2" "calendar lookup by name (STABLE) stays on the coordinator (both shards scanned, the function not shipped)"
same "$BYNAME" "gm.add_working_days by calendar name"

# configuration kept in step
before=$(sq 1 -c "SELECT gm.config_fingerprint()")
fp=$(q -c "SELECT gm.config_fingerprint()")
is "$([ -n "$before" ] && [ -n "$fp" ] && [ "$before" != "$fp" ] && echo differ)" "differ" "a fresh shard's configuration differs from the coordinator's"
q -c "SELECT * FROM gm.push_config('shard1')" >/dev/null 2>&1 && ok "gm.push_config('shard1') runs" || nok "gm.push_config('shard1') runs"
fp=$(q -c "SELECT gm.config_fingerprint()")
is "$(sq 1 -c "SELECT gm.config_fingerprint()")" "${fp:-<coordinator fingerprint failed>}" "after gm.push_config the shard's configuration fingerprint equals the coordinator's"
is "$(sq 1 -c "SELECT gm.add_working_days('2026-02-13', 1, 'shop')")" "2026-02-14" "the pushed calendar computes the coordinator's deadline on the shard (Saturday 2026-02-14 has hours)"
q -c "UPDATE gm.grid SET name = 'renamed' WHERE code = 'S1'" -c "SELECT * FROM gm.push_config('shard1')" >/dev/null 2>&1
is "$(sq 1 -c "SELECT name FROM gm.grid WHERE code = 'S1'")" "renamed" "a second push replaces the shard's rows"
# an edited shipped row travels as an edit, push after push
q -c "UPDATE gm.sla_policy SET amount = interval '36 hours' WHERE event = 'first_contact' AND tier = '*' AND variant = 'standard'" >/dev/null 2>&1
out1=$(q -c "SELECT count(*) FROM gm.push_config('shard1')" 2>&1); out2=$(q -c "SELECT count(*) FROM gm.push_config('shard1')" 2>&1)
is "$(sq 1 -c "SELECT amount || '/' || origin FROM gm.sla_policy WHERE event = 'first_contact' AND tier = '*' AND variant = 'standard'")" "36:00:00/edited" \
   "an edited shipped policy reaches the shard as an edit, and a second push keeps it ($out2)"
# operational records (work orders and their history: identity GENERATED ALWAYS) are not
# configuration: with some on the coordinator, a push still runs and leaves the shard's alone
q -c "SELECT gm.dispatch(gm.open_followup('push-' || i, (SELECT grid_id FROM gm.grid WHERE code = 'S1'), 'visit'), 'someone') FROM generate_series(1, 3) i" >/dev/null 2>&1
is "$(q -c "SELECT count(*) > 0 FROM gm.followup_history")" "t" "the coordinator has work orders with history"
out=$(q -c "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM gm.push_config('shard1')"); rc=$?
is "$rc:$(echo "$out" | tr ',' '\n' | grep -cx 'gm\.grid')" "0:1" "gm.push_config runs with work orders on the coordinator"
is "$rc:$(echo "$out" | grep -c -E '(^|,)gm\.followup(,|$)|followup_history|work_log|assignment_log|grid_class_history')" "0:0" "gm.push_config sends no operational table"
is "$(sq 1 -c "SELECT count(*) FROM gm.followup")" 0 "the shard's work orders are left alone"
fp=$(q -c "SELECT gm.config_fingerprint()")
is "$(sq 1 -c "SELECT gm.config_fingerprint()")" "${fp:-<coordinator fingerprint failed>}" "work orders do not enter the configuration fingerprint"
err=$(q -v VERBOSITY=verbose -c "SELECT * FROM gm.push_config('nosuch')" 2>&1)
is "$(echo "$err" | grep -c '^ERROR:  42704: foreign server "nosuch" does not exist')" 1 "an unknown server is refused with a clear error (42704)"
echo "1..$n"
