#!/bin/bash
# Proof under load and faults (#17), printed as TAP lines.  On a cluster of its own (port
# GM_STRESS_PORT, default 55493; Unix socket in a temporary directory; max_connections=50):
#
#  * 20 physical grids (a 5x4 board of 100x100 squares) with their teams, 20k customers in
#    `cust`, gm.track_assignment on it, and an independent AFTER row trigger of our own writing
#    every grid change (row, old grid, new grid, transaction, acting agent) to `cust_audit`;
#  * pgbench, 8 clients (GM_STRESS_LONG=1: 16 clients, 300 s), opens work orders by grid and
#    by location (each with a row of a client-side ledger in the same transaction), moves random
#    orders one step (random targets under a row lock: accepted iff the transition table allows
#    it, 55000 otherwise; "legal" targets from a stale read: may lose a race, 55000), closes
#    verified orders, relocates customers, reads gm.followup_status, names the agent with
#    gm.set_actor inside explicit transactions (and relocates without it, in autocommit);
#  * meanwhile another session shifts the shared edge of two neighbouring squares and runs
#    CALL gm.reassign('cust', 'geom', 'grid_id', 500, 'stress') again and again;
#  * mid-run one busy pgbench backend is killed with SIGKILL (the server restarts every session;
#    pgbench is started again until the time is up); at the end a small-batch gm.reassign is
#    under way when the server is stopped with `pg_ctl stop -m immediate`, then restarted
#    (crash recovery) and one last gm.reassign runs to the end;
#  * then: every customer on gm.assign_grid(geom); gm.assignment_log of public.cust equals the
#    audit trigger's rows (row, from, to, transaction, actor); histories legal, chained, ending
#    in the order's state; no duplicate ids; ledger <-> orders; runs' counts equal their log
#    rows, none left running; amcheck (bt_index_check with heapallindexed) clean on every btree
#    index of schema gm and of cust.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${GM_STRESS_PORT:-55493}
if [ "${GM_STRESS_LONG:-0}" = 1 ]; then
  DURATION=${GM_STRESS_SECONDS:-300}; CLIENTS=${GM_STRESS_CLIENTS:-16}; NCUST=${GM_STRESS_CUSTOMERS:-50000}
else
  DURATION=${GM_STRESS_SECONDS:-20}; CLIENTS=${GM_STRESS_CLIENTS:-8}; NCUST=${GM_STRESS_CUSTOMERS:-20000}
fi
KILL_AT=$((DURATION * 2 / 5))
DB=gm_stress
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
is()  { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got:      $(echo "$1" | head -5)"; echo "#   expected: $(echo "$2" | head -5)"; fi; }
diag() { echo "$1" | sed 's/^/#   /'; }
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
T0=$(date +%s)
phase() { echo "# $(( $(date +%s) - T0 )) s: $1"; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-stress.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
BG_PIDS=()
cleanup() {
  touch "$DIR/stop" 2>/dev/null
  local p
  for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  asdb "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export PGHOST=$DIR PGPORT=$PORT PGUSER=postgres PGDATABASE=$DB
unset PGOPTIONS
q()  { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
start_server() {
  asdb "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 120 \
    -o "-p $PORT -k $DIR -c listen_addresses='' -c max_connections=50 -c restart_after_crash=on" start >/dev/null
}
wait_ready() {   # the server accepts connections again (after a crash restart)
  local i
  for i in $(seq 1 120); do "$PGBIN/pg_isready" -q -h "$DIR" -p "$PORT" && return 0; sleep 0.5; done
  return 1
}

asdb "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
  || { nok "initdb"; cat "$DIR/initdb.log"; exit 1; }
start_server || { nok "start the stress cluster on port $PORT"; cat "$DIR/server.log"; exit 1; }
"$PGBIN/createdb" $DB || { nok "createdb"; exit 1; }

# ------------------------------------------------------------------ set-up
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE EXTENSION amcheck" -c "
-- a 5x4 board of 100x100 squares; column i, row j
INSERT INTO gm.grid(code, name, kind, geom)
SELECT format('G%s_%s', i, j), format('square %s,%s', i, j), 'physical',
       ST_Multi(ST_MakeEnvelope(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100))
FROM generate_series(0, 4) i, generate_series(0, 3) j ORDER BY j, i;
INSERT INTO gm.grid_member(grid_id, role_name, duty)
SELECT g.grid_id, format('%s_%s', d.duty, g.code), d.duty
FROM gm.grid g, (VALUES ('manager'), ('marketer'), ('installer')) d(duty);
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'marketer2_' || code, 'marketer' FROM gm.grid;

CREATE TABLE cust (id int PRIMARY KEY, geom geometry(Point) NOT NULL, grid_id bigint);
SELECT gm.track_assignment('cust', 'grid_id', 'geom');

-- the truth, independent of the extension: one row per change of the grid column, written by
-- a row trigger in the same transaction; actor: what the application said (stress.actor)
CREATE TABLE cust_audit (audit_id bigserial PRIMARY KEY, id int NOT NULL, old_grid bigint, new_grid bigint,
                         txid xid8 NOT NULL DEFAULT pg_current_xact_id(), actor text);
CREATE FUNCTION cust_audit_trg() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.grid_id IS NOT NULL
       OR TG_OP = 'UPDATE' AND OLD.grid_id IS DISTINCT FROM NEW.grid_id THEN
        INSERT INTO cust_audit(id, old_grid, new_grid, actor)
        VALUES (NEW.id, CASE WHEN TG_OP = 'UPDATE' THEN OLD.grid_id END, NEW.grid_id,
                NULLIF(current_setting('stress.actor', true), ''));
    END IF;
    RETURN NULL;
END \$\$;
CREATE TRIGGER cust_audit AFTER INSERT OR UPDATE ON cust FOR EACH ROW EXECUTE FUNCTION cust_audit_trg();

SELECT setseed(0.17);
INSERT INTO cust(id, geom) SELECT i, ST_MakePoint(0.01 + random() * 499.98, 0.01 + random() * 399.98) FROM generate_series(1, $NCUST) i;

-- client-side ledger: one row per order opened, written in the same transaction
CREATE TABLE ledger (followup_id bigint PRIMARY KEY, cust_id int NOT NULL, via text NOT NULL,
                     client int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
-- every attempt to move an order: the state under lock (when locked), the target, the outcome
CREATE TABLE attempt (followup_id bigint, locked boolean, from_state gm.followup_state, to_state gm.followup_state,
                      sqlstate text, message text, client int);

CREATE FUNCTION stress_move(p_frac float8, p_mode int, p_client int) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
    v_id bigint; st gm.followup_state; tgt gm.followup_state; code text := '00000'; msg text;
BEGIN
    -- mode 0: any target, the order locked first (so the state is exact);
    -- mode 1: a target allowed from the state read without lock (another client may win);
    -- mode 2: close a verified order (read without lock)
    SELECT f.followup_id, f.state INTO v_id, st FROM gm.followup f
     WHERE f.followup_id >= (SELECT (max(followup_id) * p_frac)::bigint FROM gm.followup)
       AND (p_mode <> 2 OR f.state = 'verified')
     ORDER BY f.followup_id LIMIT 1;
    IF v_id IS NULL THEN RETURN 'none'; END IF;
    IF p_mode = 0 THEN
        SELECT f.state INTO st FROM gm.followup f WHERE f.followup_id = v_id FOR UPDATE;
        tgt := (enum_range(NULL::gm.followup_state))[1 + floor(random() * 8)::int];
    ELSIF p_mode = 1 THEN
        SELECT t.to_state INTO tgt FROM gm.followup_transition t WHERE t.from_state = st
         ORDER BY t.to_state IN ('cancelled', 'reopened'), random() LIMIT 1;
    ELSE
        tgt := 'closed';
    END IF;
    BEGIN
        CASE tgt
            WHEN 'new'        THEN RAISE EXCEPTION 'no function goes back to new' USING ERRCODE = '55000';
            WHEN 'dispatched' THEN PERFORM gm.dispatch(v_id);
            WHEN 'responded'  THEN PERFORM gm.respond(v_id, 'stress');
            WHEN 'resolved'   THEN PERFORM gm.resolve(v_id, 'fixed');
            WHEN 'verified'   THEN PERFORM gm.verify(v_id, 1 + floor(random() * 5)::int);
            WHEN 'closed'     THEN PERFORM gm.close(v_id);
            WHEN 'cancelled'  THEN PERFORM gm.cancel(v_id);
            WHEN 'reopened'   THEN PERFORM gm.reopen(v_id);
        END CASE;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    INSERT INTO attempt VALUES (v_id, p_mode = 0, st, tgt, code, msg, p_client);
    RETURN code;
END \$\$;
ANALYZE;" >/dev/null || { nok "set-up: grids, teams, $NCUST customers, tracking, audit trigger"; exit 1; }
ok "set-up: 20 grids, teams, $NCUST customers, gm.track_assignment, audit trigger, ledger"
phase "set-up done"

# ------------------------------------------------------------------ pgbench scripts
S=$DIR/pgbench; mkdir -p "$S"
ACTOR="SELECT gm.set_actor(('agent_' || :client_id)::name), set_config('stress.actor', 'agent_' || :client_id, true);"
cat >"$S/open_grid.sql" <<EOF
\set c random(1, $NCUST)
\set ev random(1, 4)
BEGIN;
$ACTOR
INSERT INTO ledger(followup_id, cust_id, via, client)
SELECT gm.open_followup('c' || id, grid_id, (ARRAY['visit', 'install', 'first_contact', 'complaint'])[:ev], 'standard'), id, 'grid', :client_id
  FROM cust WHERE id = :c;
COMMIT;
EOF
cat >"$S/open_loc.sql" <<EOF
\set c random(1, $NCUST)
BEGIN;
$ACTOR
INSERT INTO ledger(followup_id, cust_id, via, client)
SELECT gm.open_followup('c' || id, geom, 'complaint', 'key'), id, 'location', :client_id FROM cust WHERE id = :c;
COMMIT;
EOF
for m in 0 1 2; do
cat >"$S/move$m.sql" <<EOF
\set f random(0, 999999)
BEGIN;
$ACTOR
SELECT stress_move(:f / 1000000.0, $m, :client_id);
COMMIT;
EOF
done
cat >"$S/relocate.sql" <<EOF
\set c random(1, $NCUST)
\set x random(1, 49999)
\set y random(1, 39999)
BEGIN;
$ACTOR
UPDATE cust SET geom = ST_MakePoint(:x / 100.0, :y / 100.0) WHERE id = :c;
COMMIT;
EOF
cat >"$S/relocate_autocommit.sql" <<EOF
\set c random(1, $NCUST)
\set x random(1, 49999)
\set y random(1, 39999)
UPDATE cust SET geom = ST_MakePoint(:x / 100.0, :y / 100.0) WHERE id = :c;
EOF
cat >"$S/status.sql" <<EOF
\set c random(1, $NCUST)
BEGIN;
$ACTOR
SELECT count(*) FROM gm.followup_status WHERE customer_key = 'c' || :c;
SELECT light, count(*) FROM gm.followup_status WHERE is_open AND grid_id = (SELECT grid_id FROM cust WHERE id = :c) GROUP BY light;
COMMIT;
EOF

# ------------------------------------------------------------------ the boundary mover
mover() {
  local k=0 i j x
  while [ ! -e "$DIR/stop" ]; do
    k=$((k+1)); i=$((RANDOM % 4)); j=$((RANDOM % 4)); x=$(( (i + 1) * 100 + RANDOM % 81 - 40 ))
    if q -c "UPDATE gm.grid g SET geom = ST_Multi(CASE WHEN g.code = 'G${i}_$j'
                  THEN ST_MakeEnvelope(ST_XMin(g.geom), ST_YMin(g.geom), $x, ST_YMax(g.geom))
                  ELSE ST_MakeEnvelope($x, ST_YMin(g.geom), ST_XMax(g.geom), ST_YMax(g.geom)) END)
              WHERE g.code IN ('G${i}_$j', 'G$((i+1))_$j')" >/dev/null 2>>"$DIR/mover.err"; then
      echo edge >>"$DIR/mover.log"
    else
      echo edge_failed >>"$DIR/mover.log"; wait_ready
    fi
    if q -c "SET grid_marketing.progress_notices = off" -c "CALL gm.reassign('cust', 'geom', 'grid_id', 500, 'stress')" >/dev/null 2>>"$DIR/mover.err"; then
      echo reassign >>"$DIR/mover.log"
    else
      echo reassign_failed >>"$DIR/mover.log"; wait_ready
    fi
  done
}
killer() {
  sleep "$KILL_AT"
  local pid
  for _ in $(seq 1 50); do
    pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'pgbench' AND state = 'active' AND pid <> pg_backend_pid() ORDER BY random() LIMIT 1" 2>/dev/null)
    [ -n "$pid" ] && break
    sleep 0.1
  done
  if [ -n "$pid" ]; then kill -9 "$pid" && echo "$pid" >"$DIR/killed"; fi
}

# ------------------------------------------------------------------ the run
mover & BG_PIDS+=($!)
killer & BG_PIDS+=($!)
end=$(( $(date +%s) + DURATION )); runs=0; committed=0; aborted=0
while :; do
  left=$(( end - $(date +%s) )); [ $left -ge 2 ] || break
  wait_ready || break
  runs=$((runs+1))
  "$PGBIN/pgbench" -n -M simple -c "$CLIENTS" -j 2 -T "$left" \
    -f "$S/open_grid.sql@3" -f "$S/open_loc.sql@2" -f "$S/move0.sql@3" -f "$S/move1.sql@6" -f "$S/move2.sql@2" \
    -f "$S/relocate.sql@3" -f "$S/relocate_autocommit.sql@1" -f "$S/status.sql@2" >"$DIR/pgbench.$runs.out" 2>&1
  c=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$DIR/pgbench.$runs.out")
  committed=$((committed + ${c:-0}))
  a=$(grep -c 'aborted in command' "$DIR/pgbench.$runs.out"); aborted=$((aborted + a))
done
touch "$DIR/stop"
for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null; done; BG_PIDS=()
wait_ready
phase "load done"
echo "# pgbench: $runs run(s), $committed transactions, $aborted client(s) aborted; mover: $(grep -c '^edge$' "$DIR/mover.log") edge moves, $(grep -c '^reassign$' "$DIR/mover.log") reassign runs done, $(grep -c failed "$DIR/mover.log") failed steps"
# a client aborted by the crash restart says "perhaps the backend died"; an SQL error would be printed instead
errs=$(grep -h 'aborted in command' "$DIR"/pgbench.*.out | grep -v 'perhaps the backend died while processing' | head -5)
is "$errs" "" "pgbench clients aborted only by the crash restart"
if [ -s "$DIR/killed" ]; then
  # 15 and 17 log "server process (PID n) was terminated ...", 18 names the process type
  is "$(grep -c "(PID $(cat "$DIR/killed")) was terminated by signal 9" "$DIR/server.log")" 1 "a pgbench backend was killed with SIGKILL and the server restarted"
else
  nok "a pgbench backend was killed with SIGKILL"
fi
merr=$(grep -v -E 'server closed the connection|terminat|connection to server|recovery mode|starting up|shutting down|no connection to the server|^$|^\s*This probably|^\s*before or while|^(DETAIL|HINT):  (The postmaster has commanded|In a moment you should)' "$DIR/mover.err" 2>/dev/null | head -5)
is "$merr" "" "boundary moves and gm.reassign fail only by the crash restart"
is "$(q -c "SELECT count(*) > 100 FROM ledger")" t "work orders were opened under load"
is "$(q -c "SELECT count(*) FROM attempt WHERE sqlstate NOT IN ('00000', '55000')")" 0 "every refused transition failed with 55000, nothing else"
bad=$(q -c "SELECT followup_id, from_state, to_state, sqlstate FROM attempt WHERE locked AND (sqlstate = '00000') <> gm.followup_transition_allowed(from_state, to_state) LIMIT 5")
is "$bad" "" "on a locked order a transition is accepted exactly when the transition table allows it"
echo "# attempts: $(q -c "SELECT string_agg(format('%s %s', sqlstate, n), ', ') FROM (SELECT sqlstate, count(*) n FROM attempt GROUP BY 1 ORDER BY 1) s")"

# ------------------------------------------------------------------ immediate shutdown during a run
q -c "SET grid_marketing.progress_notices = off" -c "UPDATE gm.grid g SET geom = ST_Multi(CASE WHEN g.code = 'G1_1'
        THEN ST_MakeEnvelope(ST_XMin(g.geom), ST_YMin(g.geom), 170, ST_YMax(g.geom))
        ELSE ST_MakeEnvelope(170, ST_YMin(g.geom), ST_XMax(g.geom), ST_YMax(g.geom)) END)
     WHERE g.code IN ('G1_1', 'G2_1')" >/dev/null
( q -c "SET grid_marketing.progress_notices = off" -c "CALL gm.reassign('cust', 'geom', 'grid_id', 20, 'before the crash')" >/dev/null 2>&1 ) &
RPID=$!; BG_PIDS+=($RPID)
for _ in $(seq 1 100); do
  [ "$(q -c "SELECT count(*) FROM gm.run WHERE params->>'reason' = 'before the crash' AND state = 'running' AND batches > 2")" = 1 ] && break
  sleep 0.1
done
running=$(q -c "SELECT run_id FROM gm.run WHERE params->>'reason' = 'before the crash' AND state = 'running'")
asdb "$PGBIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1
wait $RPID 2>/dev/null; BG_PIDS=()
start_server && wait_ready && ok "restart after pg_ctl stop -m immediate (crash recovery)" || { nok "restart after pg_ctl stop -m immediate"; tail -20 "$DIR/server.log"; exit 1; }
if [ -n "$running" ]; then
  is "$(q -c "SELECT state FROM gm.run_status WHERE run_id = $running")" interrupted "the gm.reassign run cut by the immediate shutdown shows as interrupted"
else
  nok "a gm.reassign run was under way at the immediate shutdown"
fi
off=$(q -c "SELECT count(*) FROM cust WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")
echo "# customers off their grid before the last gm.reassign: $off"
q -c "SET grid_marketing.progress_notices = off" -c "CALL gm.reassign('cust', 'geom', 'grid_id', 500, 'final')" >/dev/null 2>&1 \
  && ok "a last gm.reassign after recovery runs to the end" || nok "a last gm.reassign after recovery runs to the end"

# ------------------------------------------------------------------ assertions
phase "recovered, last gm.reassign done"
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")" 0 "every customer is on gm.assign_grid(its geometry)"
is "$(q -c "SELECT count(*) FROM cust WHERE grid_id IS NULL")" 0 "no customer without a grid (the board has no gap)"
is "$(q -c "SELECT count(*) FROM gm.grid_check() WHERE problem <> 'no_manager'")" 0 "gm.grid_check: no gap, no overlap after the edge moves"

LOGQ="SELECT row_key::int, from_grid, to_grid, xact_id, changed_by::text FROM gm.assignment_log WHERE table_name = 'public.cust'"
AUDQ="SELECT id, old_grid, new_grid, txid, COALESCE(actor, 'postgres') FROM cust_audit"
is "$(q -c "SELECT count(*) FROM gm.assignment_log WHERE table_name = 'public.cust'")" "$(q -c "SELECT count(*) FROM cust_audit")" "gm.assignment_log has as many rows for public.cust as the audit trigger"
d1=$(q -c "SELECT * FROM ($LOGQ EXCEPT ALL $AUDQ) d ORDER BY 1 LIMIT 5")
d2=$(q -c "SELECT * FROM ($AUDQ EXCEPT ALL $LOGQ) d ORDER BY 1 LIMIT 5")
is "$d1" "" "every gm.assignment_log row (row, from, to, transaction, actor) is a change the audit trigger saw"
is "$d2" "" "every change the audit trigger saw is in gm.assignment_log"
is "$(q -c "SELECT count(*) FROM gm.assignment_log WHERE table_name <> 'public.cust'")" 0 "gm.assignment_log names the table schema-qualified"
is "$(q -c "SELECT count(*) FROM cust c LEFT JOIN (SELECT DISTINCT ON (id) id, new_grid FROM cust_audit ORDER BY id, audit_id DESC) a USING (id)
            WHERE c.grid_id IS DISTINCT FROM a.new_grid")" 0 \
   "each customer's grid is the last grid its audit rows give"
is "$(q -c "SELECT count(*) FROM cust c WHERE c.grid_id IS DISTINCT FROM gm.grid_on('cust', c.id::text, 'infinity')")" 0 \
   "gm.grid_on(cust, key, infinity) gives each customer's grid"
is "$(q -c "SELECT count(*) FROM gm.assignment_log WHERE table_name = 'public.cust' AND reason = 'update' AND changed_by::text NOT LIKE 'agent_%' AND xact_id IN (SELECT txid FROM cust_audit WHERE actor IS NOT NULL)")" 0 \
   "moves made after gm.set_actor are logged with the agent"
is "$(q -c "SELECT count(*) > 0 FROM cust_audit WHERE actor IS NULL AND old_grid IS NOT NULL AND txid NOT IN (SELECT xact_id FROM gm.assignment_log WHERE run_id IS NOT NULL)")" t \
   "some relocations ran in autocommit without an actor (pooled sessions)"

is "$(q -c "SELECT count(*) FROM (SELECT history_id FROM gm.followup_history GROUP BY 1 HAVING count(*) > 1) d")" 0 "no duplicate history_id"
is "$(q -c "SELECT count(*) FROM (SELECT followup_id FROM gm.followup GROUP BY 1 HAVING count(*) > 1) d")" 0 "no duplicate followup_id"
phase "checks of the assignment history done"
is "$(q -c "SELECT count(*) FROM gm.followup_history h WHERE NOT EXISTS (SELECT 1 FROM gm.followup f WHERE f.followup_id = h.followup_id)")" 0 "no history without its order"
H="SELECT h.*, lag(h.to_state) OVER w AS prev_to, row_number() OVER w AS rn,
          last_value(h.to_state) OVER (PARTITION BY h.followup_id ORDER BY h.history_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS last_to
     FROM gm.followup_history h WINDOW w AS (PARTITION BY h.followup_id ORDER BY h.history_id)"
is "$(q -c "SELECT followup_id, history_id FROM ($H) x WHERE rn = 1 AND (from_state IS NOT NULL OR to_state <> 'new') LIMIT 5")" "" "every history starts NULL -> new"
is "$(q -c "SELECT followup_id, history_id, prev_to, from_state FROM ($H) x WHERE rn > 1 AND from_state IS DISTINCT FROM prev_to LIMIT 5")" "" \
   "every history row starts from the state the previous row ended in"
is "$(q -c "SELECT followup_id, history_id, from_state, to_state FROM ($H) x WHERE rn > 1 AND from_state IS DISTINCT FROM to_state
                AND NOT gm.followup_transition_allowed(from_state, to_state) LIMIT 5")" "" "every state change in the history is allowed by the transition table"
is "$(q -c "SELECT count(*) FROM ($H) x WHERE rn > 1 AND from_state = to_state AND note NOT LIKE 're-routed from %'")" 0 \
   "a history row that keeps the state is a re-routing"
is "$(q -c "SELECT f.followup_id, f.state, x.last_to FROM gm.followup f LEFT JOIN (SELECT DISTINCT followup_id, last_to FROM ($H) y) x USING (followup_id)
            WHERE x.last_to IS DISTINCT FROM f.state LIMIT 5")" "" "every order's state is the last state of its history"
is "$(q -c "SELECT count(*) FROM gm.followup_history WHERE by_role::text NOT LIKE 'agent_%'")" 0 "every history row names the agent set with gm.set_actor"
is "$(q -c "SELECT count(*) FROM gm.followup WHERE grid_id IS NULL OR state = 'new'")" 0 "every order has a grid and was dispatched"

is "$(q -c "SELECT count(*) FROM ledger l LEFT JOIN gm.followup f USING (followup_id) WHERE f.followup_id IS NULL OR f.customer_key <> 'c' || l.cust_id OR f.parent_id IS NOT NULL")" 0 \
   "every ledger row has its order (same customer)"
is "$(q -c "SELECT count(*) FROM gm.followup f WHERE f.parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.followup_id = f.followup_id)")" 0 \
   "every order opened by a client has its ledger row"
is "$(q -c "SELECT count(*) FROM gm.followup f WHERE f.parent_id IS NOT NULL AND (f.event <> 'satisfaction_callback' OR NOT EXISTS (
            SELECT 1 FROM gm.followup_history h JOIN gm.followup p ON p.followup_id = h.followup_id
             WHERE h.followup_id = f.parent_id AND h.to_state = 'closed' AND p.event = 'complaint'))")" 0 \
   "every other order is the call-back of a closed complaint"
is "$(q -c "SELECT count(*) FROM (SELECT parent_id FROM gm.followup WHERE parent_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) d")" 0 "one call-back per complaint"
is "$(q -c "SELECT count(*) FROM gm.followup_status")" "$(q -c "SELECT count(*) FROM gm.followup")" "gm.followup_status shows every order"
echo "# orders: $(q -c "SELECT string_agg(format('%s %s', state, n), ', ') FROM (SELECT state, count(*) n FROM gm.followup GROUP BY 1 ORDER BY 1) s"); history rows: $(q -c "SELECT count(*) FROM gm.followup_history")"

is "$(q -c "SELECT count(*) FROM gm.run_status WHERE state = 'running'")" 0 "no run stays running"
is "$(q -c "SELECT string_agg(DISTINCT state, ',' ORDER BY state) FROM gm.run_status")" "done,interrupted" "runs are done or interrupted (none failed)"
is "$(q -c "SELECT count(*) > 0 FROM gm.run_status WHERE state = 'done' AND params->>'reason' = 'final'")" t "the last gm.reassign is done"
is "$(q -c "SELECT r.run_id, r.rows_changed, (SELECT count(*) FROM gm.assignment_log l WHERE l.run_id = r.run_id) FROM gm.run r
            WHERE r.kind = 'reassign' AND r.rows_changed <> (SELECT count(*) FROM gm.assignment_log l WHERE l.run_id = r.run_id) LIMIT 5")" "" \
   "each run's rows_changed equals its rows in gm.assignment_log (committed batches only)"
echo "# runs: $(q -c "SELECT string_agg(format('%s %s', state, n), ', ') FROM (SELECT state, count(*) n FROM gm.run_status GROUP BY 1 ORDER BY 1) s")"

phase "checks of the history done"
idx=$(q -c "SELECT c.oid::regclass FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'btree' AND (c.relnamespace = 'gm'::regnamespace OR i.indrelid = 'cust'::regclass) ORDER BY 1")
res=$(q -c "SELECT c.oid::regclass, bt_index_check(c.oid, true) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'btree' AND (c.relnamespace = 'gm'::regnamespace OR i.indrelid = 'cust'::regclass)" 2>&1)
if [ $? = 0 ]; then ok "amcheck: bt_index_check(heapallindexed) clean on $(echo "$idx" | wc -l) btree indexes of gm and cust"
else nok "amcheck: bt_index_check clean on the btree indexes of gm and cust"; diag "$(echo "$res" | head -5)"; fi
is "$(echo "$idx" | grep -c -E '^(gm\.followup_history_order_idx|gm\.assignment_log_row_idx|cust_pkey)$')" 3 "amcheck covered the history, the assignment log and cust"

echo "# duration: $(( $(date +%s) - T0 )) s (pgbench $DURATION s, $CLIENTS clients, $NCUST customers)"
echo "1..$n"
