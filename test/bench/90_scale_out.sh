#!/bin/bash
# Scale-out benchmark (make bench): the same data on one server and on a coordinator with two
# postgres_fdw shards on this machine.  Reports rows/s for assignment, RFM scoring and NPS by
# grid, both ways, and the share of rows that never left the shards; then assignment where the
# data lives: at load on each shard, and re-assignment after a boundary move on both at once.  Adds its rows to
# bench.result in $BENCH_DB.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
DB=${BENCH_DB:-gm_bench}; SDB=gm_bench_shard; N=${GM_SCALE_ROWS:-1000000}
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-bshards.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
PORTS=(0 55521 55522)
trap 'for s in 1 2; do asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -m fast -w stop >/dev/null 2>&1; done; rm -rf "$DIR"' EXIT
q()  { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
sq() { local s=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p ${PORTS[$s]} -d $SDB "$@"; }
COLS="id int, region int, grid_id int, score int, r float8, f float8, m float8, geom geometry"

q -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS postgres_fdw" -c "DROP TABLE IF EXISTS sc_local, sc CASCADE" \
  -c "SELECT setseed(0.9)" -c "
DELETE FROM gm.grid WHERE code LIKE 'SC%';
INSERT INTO gm.grid(code, name, kind, geom)
SELECT 'SC' || x || '_' || y, 'bench cell', 'physical', ST_Multi(ST_MakeEnvelope(x * 1000, y * 1000, x * 1000 + 1000, y * 1000 + 1000))
FROM generate_series(0, 29) x, generate_series(0, 29) y;
CREATE TABLE sc_local ($COLS);
INSERT INTO sc_local SELECT i, 1 + (i % 2), (random() * 899)::int, (random() * 10)::int, (random() * 365)::int, (1 + random() * 50)::int,
       round((random() * 10000)::numeric, 2), ST_MakePoint(random() * 30000, random() * 30000)
FROM generate_series(1, $N) i;" -c "VACUUM ANALYZE sc_local" >/dev/null || { echo "scale-out bench set-up failed"; exit 1; }

servers=""
for s in 1 2; do
  asdb "$PGBIN/initdb" -D "$DIR/shard$s" -U postgres -A trust >/dev/null 2>&1 || exit 1
  asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -l "$DIR/shard$s.log" -w \
    -o "-p ${PORTS[$s]} -k $DIR -c listen_addresses='' -c shared_buffers=512MB -c work_mem=64MB" start >/dev/null || exit 1
  createdb -h "$DIR" -p ${PORTS[$s]} $SDB
  sq $s -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE TABLE sc ($COLS)" >/dev/null
  q -c "COPY (SELECT * FROM sc_local WHERE region = $s) TO STDOUT" | sq $s -c "COPY sc FROM STDIN"
  sq $s -c "VACUUM ANALYZE sc"
  servers="$servers
CREATE SERVER bshard$s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$DIR', port '${PORTS[$s]}', dbname '$SDB', extensions 'grid_marketing', fetch_size '10000', async_capable 'true');
CREATE USER MAPPING FOR CURRENT_USER SERVER bshard$s OPTIONS (user 'postgres');
CREATE FOREIGN TABLE sc_r$s PARTITION OF sc FOR VALUES IN ($s) SERVER bshard$s OPTIONS (table_name 'sc');"
done
q -c "SET client_min_messages = warning" -c "DROP SERVER IF EXISTS bshard1, bshard2 CASCADE" -c "CREATE TABLE sc ($COLS) PARTITION BY LIST (region); $servers" -c "ANALYZE sc" >/dev/null
q -c "SELECT * FROM gm.push_config('bshard1')" -c "SELECT * FROM gm.push_config('bshard2')" >/dev/null

brk=$(q -c "SELECT gm.rfm_breaks(r, f, m)::text FROM sc_local")
run() {  # name, single-server SQL, coordinator SQL
  q -c "SET enable_partitionwise_aggregate = on" -c "
    INSERT INTO bench.result(name, baseline, baseline_ms, gm_ms, ratio, goal, met)
    SELECT '$1 (' || round($N / (b / 1000.0)) || ' rows/s one server, ' || round($N / (c / 1000.0)) || ' rows/s 2 shards)',
           'one server', b, c, round(b / nullif(c, 0), 2), 'report: one server / sharded', NULL
    FROM (SELECT bench.time_ms(\$q\$$2\$q\$, 2) b, bench.time_ms(\$q\$$3\$q\$, 2) c) t" >/dev/null
}
run "assign_grid, $N points" "SELECT sum(gm.assign_grid(geom)) FROM sc_local" "SELECT sum(gm.assign_grid(geom)) FROM sc"
run "rfm_score filter, $N rows" "SELECT count(*) FROM sc_local WHERE gm.rfm_score(r, f, m, '$brk'::gm.rfm_breaks) = '555'::gm.rfm" \
    "SELECT count(*) FROM sc WHERE gm.rfm_score(r, f, m, '$brk'::gm.rfm_breaks) = '555'::gm.rfm"
run "nps by region, grid, $N rows" "SELECT count(*) FROM (SELECT region, grid_id, gm.nps(score) FROM sc_local GROUP BY region, grid_id) x" \
    "SELECT count(*) FROM (SELECT region, grid_id, gm.nps(score) FROM sc GROUP BY region, grid_id) x"
# share of the work done on the shards: rows that stayed there / rows scanned
for what in "rfm_score|SELECT count(*) FROM sc WHERE gm.rfm_score(r, f, m, '$brk'::gm.rfm_breaks) = '555'::gm.rfm" \
            "nps|SELECT region, grid_id, gm.nps(score) FROM sc GROUP BY region, grid_id" \
            "assign_grid|SELECT sum(gm.assign_grid(geom)) FROM sc"; do
  name=${what%%|*}; sql=${what#*|}
  moved=$(q -c "SET enable_partitionwise_aggregate = on" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) $sql" | grep 'Foreign Scan' | sed -n 's/.* rows=\([0-9.]*\) loops=\([0-9]*\).*/\1 \2/p' | awk '{ s += $1 * $2 } END { if (NR) printf "%d\n", s + 0.5 }')
  q -c "INSERT INTO bench.result(name, baseline, gm_ms, goal) VALUES ('$name: share of rows kept on the shards ' || round(100.0 * (1 - ${moved:-0}::numeric / $N), 1) || '%', '-', NULL, 'report')" >/dev/null
done

# assignment where the data lives (issue 22): customers tracked by gm.track_assignment, assigned
# at load on their own server; after a boundary move is pushed, re-assigned by gm.reassign on
# each shard at once.  One server does all N; each shard does its half, both at the same time.
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
CA="id int PRIMARY KEY, region int NOT NULL, geom geometry NOT NULL, grid_id bigint"
q -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS ca_local" -c "CREATE TABLE ca_local ($CA)" -c "SELECT gm.track_assignment('ca_local', 'grid_id', 'geom')" >/dev/null
for s in 1 2; do sq $s -c "SET client_min_messages = warning" -c "CREATE TABLE ca ($CA)" -c "SELECT gm.track_assignment('ca', 'grid_id', 'geom')" >/dev/null; done
q -c "COPY (SELECT id, region, geom FROM sc_local) TO '$DIR/all.copy'" -c "COPY (SELECT id, region, geom FROM sc_local WHERE region = 1) TO '$DIR/r1.copy'" \
  -c "COPY (SELECT id, region, geom FROM sc_local WHERE region = 2) TO '$DIR/r2.copy'" >/dev/null
t=$(date +%s%N); q -c "COPY ca_local(id, region, geom) FROM '$DIR/all.copy'" >/dev/null; one=$(ms $t)
t=$(date +%s%N)
sq 1 -c "COPY ca(id, region, geom) FROM '$DIR/r1.copy'" >/dev/null & p1=$!
sq 2 -c "COPY ca(id, region, geom) FROM '$DIR/r2.copy'" >/dev/null & p2=$!
wait $p1 $p2; two=$(ms $t)
ok=$(( $(sq 1 -c "SELECT count(*) FROM ca WHERE grid_id IS NOT NULL") + $(sq 2 -c "SELECT count(*) FROM ca WHERE grid_id IS NOT NULL") ))
q -c "INSERT INTO bench.result(name, baseline, baseline_ms, gm_ms, ratio, goal, met)
      VALUES ('assign at load, $N customers (COPY into a tracked table): one server vs 2 shards loading their halves at once ($ok assigned on the shards)',
              'one server', $one, $two, round($one::numeric / nullif($two, 0), 2), 'report: one server / sharded', NULL)" >/dev/null
# a boundary moves: the first column of cells takes x in [1000, 1500) from the second
q -c "UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(0, ST_YMin(geom), 1500, ST_YMax(geom))) WHERE code LIKE 'SC0\_%'" \
  -c "UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(1500, ST_YMin(geom), 2000, ST_YMax(geom))) WHERE code LIKE 'SC1\_%'" \
  -c "SELECT * FROM gm.push_config('bshard1')" -c "SELECT * FROM gm.push_config('bshard2')" >/dev/null
t=$(date +%s%N); q -c "CALL gm.reassign('ca_local', 'geom', 'grid_id')" >/dev/null 2>&1; one=$(ms $t)
t=$(date +%s%N)
sq 1 -c "CALL gm.reassign('ca', 'geom', 'grid_id')" >/dev/null 2>&1 & p1=$!
sq 2 -c "CALL gm.reassign('ca', 'geom', 'grid_id')" >/dev/null 2>&1 & p2=$!
wait $p1 $p2; two=$(ms $t)
moved=$(( $(sq 1 -c "SELECT count(*) FROM gm.assignment_log WHERE reason = 'boundary change'") + $(sq 2 -c "SELECT count(*) FROM gm.assignment_log WHERE reason = 'boundary change'") ))
q -c "INSERT INTO bench.result(name, baseline, baseline_ms, gm_ms, ratio, goal, met)
      VALUES ('re-assign $N customers after a boundary move (gm.reassign): one server vs both shards at once ($moved moved on the shards, ' ||
              (SELECT count(*) FROM gm.assignment_log WHERE reason = 'boundary change') || ' on one server)',
              'one server', $one, $two, round($one::numeric / nullif($two, 0), 2), 'report: one server / sharded', NULL)" >/dev/null
q -c "SELECT gm.untrack_assignment('ca_local')" -c "DROP TABLE ca_local" >/dev/null

q -c "SET client_min_messages = warning" -c "DROP TABLE sc, sc_local CASCADE" -c "DROP SERVER bshard1, bshard2 CASCADE" -c "DELETE FROM gm.grid WHERE code LIKE 'SC%'" >/dev/null
