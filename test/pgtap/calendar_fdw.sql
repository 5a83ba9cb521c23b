-- A gm.calendar value is shipped to a postgres_fdw shard (IMMUTABLE arithmetic on a literal
-- value, no configuration needed there); the lookup by name stays on the coordinator.
SET client_min_messages = warning;
SELECT plan(5);
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
SELECT format('CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, extensions %L)',
              current_setting('unix_socket_directories'), current_setting('port'), current_database(), 'grid_marketing') \gexec
CREATE USER MAPPING FOR CURRENT_USER SERVER loop OPTIONS (user 'postgres');
CREATE TABLE lead_local AS SELECT i AS id, '2026-01-01'::date + (i * 7 % 330) AS d FROM generate_series(1, 2000) i;
CREATE FOREIGN TABLE lead_remote (id int, d date) SERVER loop OPTIONS (table_name 'lead_local');
SELECT gm.calendar('cn')::text AS cn \gset
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; t text := '';
BEGIN FOR r IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP t := t || r || E'\n'; END LOOP; RETURN t; END $$;
SELECT matches(pg_temp.plan_of(format($$SELECT id FROM lead_remote WHERE gm.add_working_days(d, 3, %L::gm.calendar) - d >= 5$$, :'cn')),
               'Remote SQL: .*gm\.add_working_days\(d, 3, ''name=cn', 'the value variant is in the Remote SQL');
SELECT doesnt_match(pg_temp.plan_of($$SELECT id FROM lead_remote WHERE gm.add_working_days(d, 3, gm.calendar('cn')) - d >= 5$$),
              'Remote SQL: [^\n]*add_working_days', 'by name it stays on the coordinator');
SELECT doesnt_match(pg_temp.plan_of($$SELECT id FROM lead_remote WHERE gm.add_working_days(d, 3, 'cn') - d >= 5$$),
              'Remote SQL: [^\n]*add_working_days', 'the text-name variant stays on the coordinator');
SELECT set_eq(format($$SELECT id FROM lead_remote WHERE gm.add_working_days(d, 3, %L::gm.calendar) - d >= 5$$, :'cn'),
              $$SELECT id FROM lead_local WHERE gm.add_working_days(d, 3, 'cn') - d >= 5$$, 'shipped answers equal the local ones');
SELECT isnt_empty($$SELECT id FROM lead_local WHERE gm.add_working_days(d, 3, 'cn') - d >= 5$$, 'and there are answers');
SELECT * FROM finish();
