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

-- exactness: every grid equals 100.0 * (promoters - detractors) / n
DO $$
DECLARE bad bigint;
BEGIN
    SELECT count(*) INTO bad
    FROM (SELECT grid_id, gm.nps(score) a,
                 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*) b
          FROM bench.kpi_survey GROUP BY grid_id) x
    WHERE a IS DISTINCT FROM b;
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
    'SELECT sum(n) FROM (SELECT grid_id, 100.0 * (count(*) FILTER (WHERE score >= 9) - count(*) FILTER (WHERE score <= 6)) / count(*) n FROM bench.kpi_survey GROUP BY grid_id) x',
    'SELECT sum(n) FROM (SELECT grid_id, gm.nps(score) n FROM bench.kpi_survey GROUP BY grid_id) x',
    1.0, 'speedup', 3, 'SQL formula');

DROP TABLE bench.kpi_survey;
