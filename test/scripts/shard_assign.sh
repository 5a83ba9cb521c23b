#!/bin/bash
# Assignment where the data lives (issue 22), printed as TAP lines: the server in PGHOST/PGPORT is
# the coordinator; two throwaway shard clusters hold a customer table partitioned by region,
# reached through postgres_fdw.  The grids are replicated to every shard with gm.push_config (as
# Citus keeps reference tables) and checked with gm.config_fingerprint; each shard's customer
# table carries gm.track_assignment's triggers, so a customer inserted through the coordinator is
# assigned on its shard (the shard's gm.assignment_log records it, the coordinator's stays
# empty); grouped counts per grid run on the shards (one row per group comes back); after a
# boundary move is pushed, gm.reassign on both shards at once moves exactly the customers the
# move concerns, and every answer equals the coordinator's own gm.assign_grid.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
is()  { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got:      $(echo "$1" | head -3)"; echo "#   expected: $(echo "$2" | head -3)"; fi; }
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
DB=gm_shard_assign; SDB=gm_shard_assign_s
DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-sassign.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
PORTS=(0 55513 55514)
cleanup() { for s in 1 2; do asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -m fast -w stop >/dev/null 2>&1; done; rm -rf "$DIR"; dropdb --if-exists $DB >/dev/null 2>&1; }
trap cleanup EXIT
q()  { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }
sq() { local s=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p ${PORTS[$s]} -d $SDB "$@"; }
COLS="id int PRIMARY KEY, region int NOT NULL, geom geometry(Point) NOT NULL, grid_id bigint"
N=20000

dropdb --if-exists $DB >/dev/null 2>&1; createdb $DB
# ten vertical strips of 10 x 100 under one region grid... as leaves: strip k covers x in [10(k-1), 10k)
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE EXTENSION postgres_fdw" \
  -c "INSERT INTO gm.grid(code, name, kind, geom)
      SELECT 'K' || k, 'strip ' || k, 'physical', ST_Multi(ST_MakeEnvelope(10 * (k - 1), 0, 10 * k, 100)) FROM generate_series(1, 10) k" \
  -c "SELECT setseed(0.22)" \
  -c "CREATE TABLE cust_local AS SELECT i AS id, 1 + i % 2 AS region, ST_MakePoint(0.001 + random() * 99.998, random() * 100) AS geom
      FROM generate_series(1, $N) i" >/dev/null || { nok "coordinator set-up"; echo "1..$n"; exit 1; }

servers=""
for s in 1 2; do
  asdb "$PGBIN/initdb" -D "$DIR/shard$s" -U postgres -A trust >/dev/null 2>&1 || { nok "initdb shard $s"; exit 1; }
  asdb "$PGBIN/pg_ctl" -D "$DIR/shard$s" -l "$DIR/shard$s.log" -w -o "-p ${PORTS[$s]} -k $DIR -c listen_addresses=''" start >/dev/null \
    || { nok "start shard $s"; cat "$DIR/shard$s.log"; exit 1; }
  createdb -h "$DIR" -p ${PORTS[$s]} $SDB
  sq $s -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE TABLE cust ($COLS)" \
        -c "SELECT gm.track_assignment('cust', 'grid_id', 'geom')" >/dev/null || { nok "shard $s set-up"; exit 1; }
  servers="$servers
CREATE SERVER ashard$s FOREIGN DATA WRAPPER postgres_fdw
  OPTIONS (host '$DIR', port '${PORTS[$s]}', dbname '$SDB', extensions 'grid_marketing', fetch_size '10000', batch_size '500');
CREATE USER MAPPING FOR CURRENT_USER SERVER ashard$s OPTIONS (user 'postgres');
CREATE FOREIGN TABLE cust_r$s PARTITION OF cust FOR VALUES IN ($s) SERVER ashard$s OPTIONS (table_name 'cust');"
done
q -c "SET client_min_messages = warning" -c "CREATE TABLE cust (id int, region int NOT NULL, geom geometry(Point) NOT NULL, grid_id bigint) PARTITION BY LIST (region); $servers" >/dev/null \
  && ok "coordinator with a customer table on two postgres_fdw shards, each shard's table tracked by gm.track_assignment" \
  || { nok "coordinator with two shards"; echo "1..$n"; exit 1; }

# the grids replicated to every shard, and checked
q -c "SELECT * FROM gm.push_config('ashard1')" -c "SELECT * FROM gm.push_config('ashard2')" >/dev/null 2>&1 \
  && ok "gm.push_config replicates the grids to both shards" || nok "gm.push_config replicates the grids to both shards"
fp=$(q -c "SELECT gm.config_fingerprint()")
is "$(sq 1 -c "SELECT gm.config_fingerprint()"):$(sq 2 -c "SELECT gm.config_fingerprint()")" "${fp:-x}:${fp:-x}" "both shards' configuration fingerprints equal the coordinator's"
is "$(sq 1 -c "SELECT string_agg(grid_id || code, ',' ORDER BY grid_id) FROM gm.grid")" "$(q -c "SELECT string_agg(grid_id || code, ',' ORDER BY grid_id) FROM gm.grid")" \
   "a shard has the coordinator's grids under the same ids"

# customers inserted through the coordinator are assigned on their shard
q -c "INSERT INTO cust(id, region, geom) SELECT id, region, geom FROM cust_local" >/dev/null 2>&1 \
  && ok "$N customers inserted through the coordinator, without a grid" || nok "$N customers inserted through the coordinator"
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS NULL")" 0 "every customer has its grid"
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")" 0 \
   "every customer's grid equals the coordinator's gm.assign_grid of its point"
h1=$(sq 1 -c "SELECT count(*) FROM gm.assignment_log"); h2=$(sq 2 -c "SELECT count(*) FROM gm.assignment_log")
is "$((h1 + h2)):$(q -c "SELECT count(*) FROM gm.assignment_log")" "$N:0" \
   "the shards did the assignment: their history holds every customer ($h1 + $h2), the coordinator's none"
is "$(sq 1 -c "SELECT count(*) FROM cust WHERE region <> 1"):$(sq 2 -c "SELECT count(*) FROM cust WHERE region <> 2")" "0:0" "each shard holds its region only"

# grouped counts per grid run on the shards: one row per group crosses to the coordinator
CNT="SELECT region, grid_id, count(*) FROM cust GROUP BY region, grid_id"
plan=$(q -c "SET enable_partitionwise_aggregate = on" -c "EXPLAIN VERBOSE $CNT")
is "$(echo "$plan" | grep 'Remote SQL:' | grep -c 'GROUP BY')" 2 "the count per region and grid is computed on both shards (Remote SQL with GROUP BY)"
groups=$(q -c "SET enable_partitionwise_aggregate = on" -c "$CNT" | wc -l)
moved=$(q -c "SET enable_partitionwise_aggregate = on" -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) $CNT" | grep 'Foreign Scan' \
        | sed -n 's/.* rows=\([0-9.]*\) loops=\([0-9]*\).*/\1 \2/p' | awk '{ s += $1 * $2 } END { if (NR) printf "%d\n", s + 0.5 }')   # 18: rows=20.00
is "$moved" "$groups" "the shards send one row per group ($groups), not the $N customers"
is "$(q -c "SET enable_partitionwise_aggregate = on" -c "$CNT" | LC_ALL=C sort)" \
   "$(q -c "SELECT region, gm.assign_grid(geom), count(*) FROM cust_local GROUP BY 1, 2" | LC_ALL=C sort)" \
   "the counts equal one server assigning the same points"

# a boundary moves on the coordinator: strip 1 takes x in [10, 15) from strip 2
q -c "UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(0, 0, 15, 100)) WHERE code = 'K1'" \
  -c "UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(15, 0, 20, 100)) WHERE code = 'K2'" >/dev/null
want=$(q -c "SELECT count(*) FROM cust_local WHERE ST_X(geom) >= 10 AND ST_X(geom) < 15")
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")" "$want" \
   "before the shards learn of it, $want customers are in the wrong grid"
q -c "SELECT * FROM gm.push_config('ashard1')" -c "SELECT * FROM gm.push_config('ashard2')" >/dev/null 2>&1 \
  && ok "the moved boundary is pushed to both shards" || nok "the moved boundary is pushed to both shards"
fp=$(q -c "SELECT gm.config_fingerprint()")
is "$(sq 1 -c "SELECT gm.config_fingerprint()"):$(sq 2 -c "SELECT gm.config_fingerprint()")" "${fp:-x}:${fp:-x}" "and the shards are in step again"
# both shards re-assign at once, each its own customers
sq 1 -c "CALL gm.reassign('cust', 'geom', 'grid_id')" > "$DIR/r1.out" 2>&1 & p1=$!
sq 2 -c "CALL gm.reassign('cust', 'geom', 'grid_id')" > "$DIR/r2.out" 2>&1 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
is "$r1:$r2" "0:0" "gm.reassign runs on both shards at once"
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")" 0 "afterwards every customer is in the coordinator's grid"
m1=$(sq 1 -c "SELECT count(*) FROM gm.assignment_log WHERE reason = 'boundary change'")
m2=$(sq 2 -c "SELECT count(*) FROM gm.assignment_log WHERE reason = 'boundary change'")
is "$((m1 + m2))" "$want" "the shards moved exactly the $want customers the move concerns ($m1 + $m2), and wrote nothing else"
is "$(q -c "SELECT count(*) FROM gm.assignment_log")" 0 "the coordinator assigned nobody"
echo "1..$n"
