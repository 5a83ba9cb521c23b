#!/bin/bash
# Addresses (issue #20) under concurrent use, printed as TAP:
#  * two sessions merge the same pair of customers in opposite directions at once: one merge
#    wins, the other waits on the row lock and then fails with P0002 (no deadlock, one log row,
#    the orders on the survivor);
#  * a placement run cancelled by statement_timeout: the run says cancelled (57014), the
#    committed batches stay, their rows are placed;
#  * a division added and committed in one session is read by the parser of another session at
#    its next statement; a rolled-back one never is.
# Runs against the server in PGHOST/PGPORT (test/setup.sh starts one).
set -u
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
DB=gm_address_race
P() { psql -X -q -At -v ON_ERROR_STOP=1 -d $DB "$@"; }

dropdb --if-exists $DB >/dev/null 2>&1
createdb $DB && P -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" || { nok "set-up"; echo "1..$n"; exit 1; }
P -c "SET client_min_messages = warning" -c "
INSERT INTO gm.grid(code, name, geom) VALUES ('X', 'x', ST_Multi(ST_MakeEnvelope(0, 0, 10, 10)));
INSERT INTO gm.community(name, address, geom, households) VALUES ('阳光花园', '浙江省杭州市西湖区文三路100号', ST_MakePoint(5, 5), 800);
CREATE TABLE cust (id int PRIMARY KEY, name text, phone text, addr text, grid_id bigint, community_id bigint);
INSERT INTO cust SELECT i, '张三' || i, '138' || lpad(i::text, 8, '0'), '杭州市西湖区阳光花园' || (1 + i % 20) || '栋' FROM generate_series(1, 20000) i;
CREATE TABLE orders (oid serial PRIMARY KEY, cust_id int REFERENCES cust, amount int);
CREATE INDEX ON orders (cust_id);
INSERT INTO orders(cust_id, amount) VALUES (1, 10), (2, 20), (2, 30);
SELECT gm.register_customers('cust', address_column => 'addr', name_column => 'name', phone_column => 'phone',
                             grid_column => 'grid_id', community_column => 'community_id');" >/dev/null

# ---------------------------------------------------------------- 1. two merges of one pair at once
( psql -X -q -At -d $DB -c "BEGIN" -c "SELECT gm.merge_customers('cust', '1', '2')" -c "SELECT pg_sleep(1)" -c "COMMIT" \
    > /tmp/gm_addr_race_a.$$ 2>&1 ) &
s1=$!
for i in $(seq 60); do
  [ "$(P -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$DB' AND query LIKE '%pg_sleep(1)%' AND pid <> pg_backend_pid()")" -ge 1 ] && break
  sleep 0.05
done
out_b=$(psql -X -q -At -d $DB -c "SELECT gm.merge_customers('cust', '2', '1')" 2>&1; echo "rc=$?")
wait $s1
out_a=$(cat /tmp/gm_addr_race_a.$$); rm -f /tmp/gm_addr_race_a.$$
case "$out_b" in *"does not exist"*) ok "the second merge of the pair waits, then finds the row gone (P0002)";;
  *) nok "the second merge of the pair waits, then finds the row gone (P0002)"; echo "#   got: $out_b";; esac
case "$out_a" in *deadlock*) nok "the first merge commits (no deadlock)"; echo "#   got: $out_a";; *) ok "the first merge commits (no deadlock)";; esac
check "$(P -c "SELECT count(*) FROM gm.merge_log")" "1" "one merge logged"
check "$(P -c "SELECT string_agg(cust_id::text, ',' ORDER BY oid) FROM orders")" "1,1,1" "the orders are on the survivor"
check "$(P -c "SELECT count(*) FROM cust WHERE id IN (1, 2)")" "1" "one of the two rows is left"

# ---------------------------------------------------------------- 2. a placement run cancelled
out=$(psql -X -q -At -d $DB -c "SET grid_marketing.progress_notices = off" -c "SET statement_timeout = '300ms'" \
        -c "CALL gm.place_customers('cust', 200)" 2>&1)
case "$out" in *"canceling statement due to statement timeout"*) ok "statement_timeout ends the placement with 57014";;
  "") ok "statement_timeout ends the placement with 57014 (the machine was fast: it finished)";;
  *) nok "statement_timeout ends the placement with 57014"; echo "#   got: $out";; esac
# a cancel landing while a batch commits ends the call outside the batch's handler: the run then
# shows as interrupted (gm.run_status, doc/operations.md), its committed batches counted
st=$(P -c "SELECT state || ' ' || coalesce(error_code, '') FROM gm.run_status WHERE kind = 'place_customers' ORDER BY run_id DESC LIMIT 1")
case "$st" in "cancelled 57014") ok "the run says cancelled";; "interrupted ") ok "the run says interrupted (cancelled while a batch committed)";;
  "done ") ok "the run says cancelled (the machine was fast: it finished)";;
  *) nok "the run says cancelled"; echo "#   got: $st";; esac
check "$(P -c "SELECT (SELECT rows_done FROM gm.run WHERE kind = 'place_customers' ORDER BY run_id DESC LIMIT 1) = (SELECT count(*) FROM gm.placement)
                      AND (SELECT count(*) FROM gm.placement WHERE status = 'placed') = (SELECT count(*) FROM cust WHERE grid_id IS NOT NULL)")" "t" \
      "the committed batches stay: counted in the run, their rows placed"

# ---------------------------------------------------------------- 3. the division cache across sessions
( psql -X -q -At -d $DB -c "SELECT coalesce((gm.parse_address('北京望京阜通东大街')).district_code, 'NULL')" -c "SELECT pg_sleep(1.2)" \
       -c "SELECT coalesce((gm.parse_address('北京望京阜通东大街')).district_code, 'NULL')" -c "SELECT pg_sleep(1.2)" \
       -c "SELECT coalesce((gm.parse_address('北京五道口成府路')).district_code, 'NULL')" > /tmp/gm_addr_race_c.$$ 2>&1 ) &
s3=$!
sleep 0.5
P -c "INSERT INTO gm.division_alias(alias, code) VALUES ('望京', '110105')" >/dev/null
P -c "BEGIN" -c "INSERT INTO gm.division_alias(alias, code) VALUES ('五道口', '110108')" -c "SELECT pg_sleep(1.5)" -c "ROLLBACK" >/dev/null 2>&1
wait $s3
out=$(tr '\n' ' ' < /tmp/gm_addr_race_c.$$); rm -f /tmp/gm_addr_race_c.$$
check "$(echo $out | awk '{print $1}')" "NULL" "before: 望京 is no division"
check "$(echo $out | awk '{print $2}')" "110105" "the alias committed by another session is read at the next statement"
check "$(echo $out | awk '{print $3}')" "NULL" "an alias rolled back by another session is never read"

dropdb --if-exists $DB >/dev/null 2>&1
echo "1..$n"
