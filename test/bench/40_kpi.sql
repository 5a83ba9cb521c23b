-- bench 40_kpi: gm.nps over 10,000,000 survey rows grouped by 1,200 grids.
-- Goal (issue 7): exact (equal to the SQL formula), a parallel Partial aggregate, and at most
-- 1.15x the cost of a plain count(*) with the same GROUP BY.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench.kpi_survey;
SELECT setseed(0.5);
CREATE TABLE bench.kpi_survey AS
SELECT (random() * 1199)::int + 1 AS grid_id, (random() * 10)::int AS score
FROM generate_series(1, 10000000);
VACUUM ANALYZE bench.kpi_survey;

-- the reference formulas: the shared test oracle (schema kpi_ref, dropped at the end)
\ir ../oracle/kpi_reference.sql

-- exactness: every grid equals the reference 100.0 * (promoters - detractors) / answers
DO $$
DECLARE bad bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM (SELECT grid_id, gm.nps(score) a, %s b FROM bench.kpi_survey GROUP BY grid_id) x
                    WHERE a IS DISTINCT FROM b', kpi_ref.nps_sql('score')) INTO bad;
    IF bad <> 0 THEN
        RAISE EXCEPTION 'gm.nps differs from the SQL formula on % grids', bad;
    END IF;
END $$;

-- the plan has a Partial aggregate (parallel)
DO $$
DECLARE line text; found boolean := false;
BEGIN
    SET LOCAL parallel_setup_cost = 0;
    SET LOCAL min_parallel_table_scan_size = 0;
    FOR line IN EXPLAIN SELECT grid_id, gm.nps(score) FROM bench.kpi_survey GROUP BY grid_id LOOP
        found := found OR line LIKE '%Partial%';
    END LOOP;
    IF NOT found THEN
        RAISE EXCEPTION 'gm.nps is not aggregated in parallel (no Partial aggregate in the plan)';
    END IF;
END $$;

-- cost against a plain count(*) with the same GROUP BY (best of 5 each, default planner settings)
SELECT bench.compare('gm.nps 10M rows by 1200 grids vs count(*)',
    'SELECT sum(n) FROM (SELECT grid_id, count(*) n FROM bench.kpi_survey GROUP BY grid_id) x',
    'SELECT sum(n) FROM (SELECT grid_id, gm.nps(score) n FROM bench.kpi_survey GROUP BY grid_id) x',
    1.15, 'cost', 5, 'count(*)');
-- and against the stock SQL formula it replaces
SELECT bench.compare('gm.nps 10M rows by 1200 grids vs SQL formula',
    format('SELECT sum(n) FROM (SELECT grid_id, %s n FROM bench.kpi_survey GROUP BY grid_id) x', kpi_ref.nps_sql('score')),
    'SELECT sum(n) FROM (SELECT grid_id, gm.nps(score) n FROM bench.kpi_survey GROUP BY grid_id) x',
    1.0, 'speedup', 3, 'SQL formula');

DROP TABLE bench.kpi_survey;
DROP SCHEMA kpi_ref CASCADE;
