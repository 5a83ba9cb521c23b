#!/bin/bash
# Scheduled jobs with pg_cron (issue #21; recipe in doc/operations.md, "Scheduled jobs with
# pg_cron"), printed as TAP lines.  pg_cron must be in shared_preload_libraries, so this script
# starts a cluster of its own (port GM_CRON_PORT, default 55527, Unix socket in a temporary
# directory), loads a customer table, schedules the recipe's jobs (the nightly re-assignment, alert evaluation and
# the follow-up planning) every minute instead of nightly, and checks that pg_cron ran each one
# successfully, that each is visible as a run in gm.run_status, and that they did their work.
# Waits for the next minute boundary (up to about 75 s).  pg_cron missing is a failure:
# test/setup.sh deps installs postgresql-N-cron.
set -u
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
PORT=${GM_CRON_PORT:-55527}
n=0
ok()  { n=$((n+1)); echo "ok $n - $1"; }
nok() { n=$((n+1)); echo "not ok $n - $1"; }
check() { if [ "$1" = "$2" ]; then ok "$3"; else nok "$3"; echo "#   got: $1"; echo "#   expected: $2"; fi; }
asdb() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

LIBDIR=$("$PGBIN/pg_config" --pkglibdir); SHAREDIR=$("$PGBIN/pg_config" --sharedir)
# the system's installation that a private copy (GM_PG_ROOT) was made from
SYSPGC=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
SYSLIB=$("$SYSPGC" --pkglibdir 2>/dev/null); SYSSHARE=$("$SYSPGC" --sharedir 2>/dev/null)
if [ ! -f "$LIBDIR/pg_cron.so" ] && [ -n "${GM_PG_ROOT:-}" ] && [ -n "$SYSLIB" ] && [ -f "$SYSLIB/pg_cron.so" ]; then
  echo "# copying pg_cron from $SYSLIB into $GM_PG_ROOT"
  cp -a "$SYSLIB/pg_cron.so" "$LIBDIR/" && cp -a "$SYSSHARE/extension/"pg_cron[.-]* "$SHAREDIR/extension/"
fi
if [ ! -f "$LIBDIR/pg_cron.so" ] || [ ! -f "$SHAREDIR/extension/pg_cron.control" ]; then
  nok "pg_cron is installed in $LIBDIR (test/setup.sh deps installs postgresql-N-cron)"; echo "1..$n"; exit 1
fi

DIR=$(mktemp -d "${TMPDIR:-/tmp}/gm-cron.XXXXXX"); chmod 755 "$DIR"; [ "$(id -u)" = 0 ] && chown postgres "$DIR"
cleanup() { asdb "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
DB=gm_cron
asdb "$PGBIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
  || { nok "initdb"; cat "$DIR/initdb.log"; echo "1..$n"; exit 1; }
# the recipe's server settings (doc/operations.md)
asdb "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o "-p $PORT -k $DIR -c listen_addresses='' \
  -c shared_preload_libraries=pg_cron -c cron.database_name=$DB -c cron.use_background_workers=on \
  -c max_worker_processes=16 -c cron.timezone=UTC" start >/dev/null \
  || { nok "cluster with shared_preload_libraries = pg_cron starts"; cat "$DIR/server.log"; echo "1..$n"; exit 1; }
ok "cluster with shared_preload_libraries = pg_cron starts (port $PORT)"
P() { "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p $PORT -U postgres -d $DB "$@"; }

"$PGBIN/createdb" -h "$DIR" -p $PORT -U postgres $DB && P -c "SET client_min_messages = warning" \
  -c "CREATE EXTENSION grid_marketing CASCADE" -c "CREATE EXTENSION pg_cron" \
  -c "INSERT INTO gm.grid(code, name, kind, geom) VALUES
        ('W', 'west', 'physical', ST_Multi(ST_MakeEnvelope(0, 0, 10, 10))),
        ('E', 'east', 'physical', ST_Multi(ST_MakeEnvelope(10, 0, 20, 10)))" \
  -c "INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'mgr_' || code, 'manager' FROM gm.grid" \
  -c "CREATE SCHEMA crm" \
  -c "CREATE TABLE crm.customers(customer_id int PRIMARY KEY, geom geometry NOT NULL, grid_id bigint, tier text,
        joined_on date, contract_end date, last_contact timestamptz)" \
  -c "INSERT INTO crm.customers SELECT i, ST_MakePoint(i % 20 + 0.5, 5), NULL, 'key', date '2026-01-01', NULL, now()
        FROM generate_series(1, 200) i" >/dev/null \
  && ok "extensions and 200 customers without a grid" || { nok "set-up"; echo "1..$n"; exit 1; }

# the recipe's jobs, every minute here (nightly in the recipe)
P -c "SELECT cron.schedule('gm-reassign', '* * * * *', \$\$CALL gm.reassign('crm.customers', 'geom', 'grid_id', NULL, 'nightly re-assignment')\$\$)" \
  -c "SELECT cron.schedule('gm-plan-followups', '* * * * *', \$\$SELECT gm.plan_followups('crm.customers', date_trunc('month', now() + interval '1 month')::date, (date_trunc('month', now() + interval '2 months') - interval '1 day')::date)\$\$)" \
  -c "SELECT cron.schedule('gm-evaluate-alerts', '* * * * *', \$\$SELECT count(*) FROM gm.evaluate_alerts('month', date_trunc('month', CURRENT_DATE)::date)\$\$)" \
  >/dev/null && ok "cron.schedule accepts the three jobs" || nok "cron.schedule accepts the three jobs"

# wait for both jobs to have run once (the next minute boundary, plus the run itself)
for i in $(seq 1 90); do
  done_jobs=$(P -c "SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE d.status IN ('succeeded', 'failed')")
  [ "$done_jobs" = 3 ] && break
  sleep 1
done
check "$(P -c "SELECT string_agg(DISTINCT j.jobname || '=' || d.status, ' ' ORDER BY j.jobname || '=' || d.status) FROM cron.job_run_details d JOIN cron.job j USING (jobid)")" \
      "gm-evaluate-alerts=succeeded gm-plan-followups=succeeded gm-reassign=succeeded" "pg_cron ran the three jobs successfully"
check "$(P -c "SELECT string_agg(kind || '=' || state, ' ' ORDER BY kind) FROM (SELECT DISTINCT ON (kind) kind, state FROM gm.run_status
                 WHERE kind IN ('reassign', 'plan_followups') ORDER BY kind, run_id) r")" \
      "plan_followups=done reassign=done" "each job is visible as a run in gm.run_status, done"
check "$(P -c "SELECT count(*) FROM crm.customers WHERE grid_id IS DISTINCT FROM gm.assign_grid(geom)")" 0 \
      "the re-assignment placed every customer in its grid"
check "$(P -c "SELECT count(*) > 0 FROM gm.followup WHERE note = 'planned'")" t "the planning created next month's follow-ups"
check "$(P -c "SELECT count(*) FROM gm.assignment_log WHERE reason = 'nightly re-assignment'")" 200 "the moves are logged with the job's reason"
P -c "SELECT cron.unschedule('gm-reassign'), cron.unschedule('gm-plan-followups'), cron.unschedule('gm-evaluate-alerts')" >/dev/null \
  && ok "cron.unschedule removes them" || nok "cron.unschedule removes them"
echo "1..$n"
