-- scale-out on one server: every aggregate of the extension combines partial states, and the
-- planner uses that (parallel workers, partition-wise aggregation) with results equal to a
-- serial plan.
BEGIN;
SELECT plan(8);
-- the reference formulas: the shared test oracle (schema kpi_ref, gone with the ROLLBACK)
\ir ../oracle/kpi_reference.sql

SELECT is_empty($$
    SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'gm' AND p.prokind = 'a' AND p.proparallel <> 's' $$,
    'every aggregate in gm is PARALLEL SAFE');
SELECT is_empty($$
    SELECT a.aggfnoid::regprocedure::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'gm' AND a.aggcombinefn = 0 $$,
    'every aggregate in gm has a combine function');
SELECT is_empty($$
    SELECT a.aggfnoid::regprocedure::text FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'gm' AND a.aggtranstype = 'internal'::regtype AND (a.aggserialfn = 0 OR a.aggdeserialfn = 0) $$,
    'every internal-state aggregate in gm has serial/deserial functions');
SELECT ok((SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND p.prokind = 'a') >= 5, 'the KPI, tiering and calendar aggregates are there');

-- a customers table partitioned by region, and its unpartitioned twin
SELECT setseed(0.11);
CREATE TABLE svy (region int, grid_id int, score int) PARTITION BY LIST (region);
CREATE TABLE svy_1 PARTITION OF svy FOR VALUES IN (1);
CREATE TABLE svy_2 PARTITION OF svy FOR VALUES IN (2);
CREATE TABLE svy_3 PARTITION OF svy FOR VALUES IN (3);
INSERT INTO svy SELECT 1 + i % 3, (1 + i % 3) * 100 + (i * 7) % 40, (random() * 10)::int FROM generate_series(1, 60000) i;
CREATE TABLE svy_flat AS SELECT * FROM svy;
ANALYZE svy; ANALYZE svy_flat;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL enable_partitionwise_aggregate = on;

CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := ''; BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP acc := acc || r || E'\n'; END LOOP; RETURN acc; END $$;

SELECT matches(pg_temp.plan_of('SELECT gm.nps(score) FROM svy_flat'), 'Partial Aggregate',
               'a forced-parallel plan runs gm.nps as a Partial Aggregate');
SELECT matches(pg_temp.plan_of('SELECT region, grid_id, gm.nps(score) FROM svy GROUP BY region, grid_id'),
               'Append.*Aggregate.*svy_1.*Aggregate.*svy_2', 'partition-wise aggregation runs gm.nps per partition');
SELECT results_eq(
    'SELECT region, grid_id, gm.nps(score) FROM svy GROUP BY region, grid_id ORDER BY 1, 2',
    format('SELECT region, grid_id, %s FROM svy_flat GROUP BY region, grid_id ORDER BY 1, 2', kpi_ref.nps_sql('score')),
    'partition-wise gm.nps equals the SQL formula per group');
SELECT results_eq('SELECT gm.nps(score) FROM svy_flat',
    format('SELECT %s FROM svy_flat', kpi_ref.nps_sql('score')),
    'parallel gm.nps equals the SQL formula');

SELECT * FROM finish();
ROLLBACK;
