-- kpi: KPI aggregates, target decomposition, monitoring, SVG map
-- Everything is created in schema kpi_regress and dropped at the end.
SET client_min_messages = warning;
SET extra_float_digits = 0;
CREATE SCHEMA kpi_regress;
SET search_path = kpi_regress, public;

-- deterministic survey rows: 6 grids, scores 0..10, CSAT 1..5, stages 1..3, some NULLs
CREATE TABLE kpi_regress.survey (
    id int, grid int, score int, csat int, c100 int, stage int, ok boolean, spend numeric, newc bigint, revenue numeric)
    WITH (parallel_workers = 2);
INSERT INTO kpi_regress.survey
SELECT i, 1 + i % 6,
       CASE WHEN i % 97 = 0 THEN NULL ELSE (i * 7 + i / 13) % 11 END,
       CASE WHEN i % 89 = 0 THEN NULL ELSE 1 + (i * 3 + i / 7) % 5 END,
       (i * 37) % 101,
       CASE WHEN i % 83 = 0 THEN NULL ELSE 1 + (CASE WHEN (i / 7) % 10 < 6 THEN 0 WHEN (i / 7) % 10 < 9 THEN 1 ELSE 2 END) END,
       CASE WHEN i % 79 = 0 THEN NULL ELSE (i * 5) % 7 < 5 END,
       CASE WHEN i % 71 = 0 THEN NULL ELSE ((i * 13) % 1000) / 10.0 END,
       (i % 3)::bigint,
       ((i * 17) % 3000) / 10.0
FROM generate_series(1, 60000) i;
ANALYZE kpi_regress.survey;

-- the reference: the stock SQL formulas of the shared test oracle, test/oracle/kpi_reference.sql
-- (pg_regress feeds this file to psql on stdin, so \ir is relative to the top directory)
\set ECHO none
\ir test/oracle/kpi_reference.sql
\set ECHO all
CALL kpi_ref.create_view('kpi_regress.ref', 'kpi_regress.survey', 'grid');
CALL kpi_ref.create_view('kpi_regress.ref_all', 'kpi_regress.survey');

CREATE VIEW kpi_regress.ext AS
SELECT grid, gm.nps(score) AS nps, gm.csat(csat) AS csat, gm.csat(c100, 100) AS csat100, gm.rate(ok) AS rate,
       (gm.funnel(stage)).leads, (gm.funnel(stage)).opportunities AS opps, (gm.funnel(stage)).deals,
       gm.cac(spend, newc) AS cac, gm.roi(revenue, spend) AS roi
FROM kpi_regress.survey GROUP BY grid;

-- serial plan: values per grid, and equality with the formulas
SET max_parallel_workers_per_gather = 0;
SELECT grid, round(nps, 6) AS nps, round(csat, 6) AS csat, round(csat100, 6) AS csat100, round(rate, 6) AS rate,
       leads, opps, deals, round(cac, 6) AS cac, round(roi, 6) AS roi
FROM kpi_regress.ext ORDER BY grid;
SELECT count(*) AS differing_grids FROM kpi_regress.ext e JOIN kpi_regress.ref r USING (grid)
WHERE (e.nps, e.csat, e.csat100, e.rate, e.leads, e.opps, e.deals, e.cac, e.roi)
      IS DISTINCT FROM (r.nps, r.csat, r.csat100, r.rate, r.leads, r.opps, r.deals, r.cac, r.roi);

-- forced parallel plan: a Partial aggregate under Gather, same results
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT grid, gm.nps(score) FROM kpi_regress.survey GROUP BY grid;
EXPLAIN (COSTS OFF) SELECT gm.svg_map(NULL::geometry, NULL::numeric, NULL) FROM kpi_regress.survey;
CREATE TABLE kpi_regress.ext_parallel AS SELECT * FROM kpi_regress.ext;
SELECT count(*) AS differing_grids FROM kpi_regress.ext_parallel e JOIN kpi_regress.ref r USING (grid)
WHERE (e.nps, e.csat, e.csat100, e.rate, e.leads, e.opps, e.deals, e.cac, e.roi)
      IS DISTINCT FROM (r.nps, r.csat, r.csat100, r.rate, r.leads, r.opps, r.deals, r.cac, r.roi);
-- whole-table aggregates in parallel, combined across workers
SELECT gm.nps(score) = (SELECT nps FROM kpi_regress.ref_all) AS nps_equal,
       gm.rate(ok) = (SELECT rate FROM kpi_regress.ref_all) AS rate_equal,
       gm.funnel(stage) AS funnel
FROM kpi_regress.survey;
RESET parallel_leader_participation;

-- partition-wise aggregation over a partitioned table: full (GROUP BY the key) and partial (no key)
CREATE TABLE kpi_regress.psurvey (LIKE kpi_regress.survey) PARTITION BY LIST (grid);
CREATE TABLE kpi_regress.psurvey_a PARTITION OF kpi_regress.psurvey FOR VALUES IN (1, 2);
CREATE TABLE kpi_regress.psurvey_b PARTITION OF kpi_regress.psurvey FOR VALUES IN (3, 4);
CREATE TABLE kpi_regress.psurvey_c PARTITION OF kpi_regress.psurvey FOR VALUES IN (5, 6);
INSERT INTO kpi_regress.psurvey SELECT * FROM kpi_regress.survey;
ANALYZE kpi_regress.psurvey;
SET enable_partitionwise_aggregate = on;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT grid, gm.nps(score) FROM kpi_regress.psurvey GROUP BY grid;
EXPLAIN (COSTS OFF) SELECT score % 2, gm.nps(score) FROM kpi_regress.psurvey GROUP BY 1;
SELECT count(*) AS differing_grids
FROM (SELECT grid, gm.nps(score) AS nps, gm.csat(csat) AS csat, gm.csat(c100, 100) AS csat100, gm.rate(ok) AS rate,
             gm.funnel(stage) AS f, gm.cac(spend, newc) AS cac, gm.roi(revenue, spend) AS roi
      FROM kpi_regress.psurvey GROUP BY grid) e
JOIN kpi_regress.ref r USING (grid)
WHERE (e.nps, e.csat, e.csat100, e.rate, (e.f).leads, (e.f).opportunities, (e.f).deals, e.cac, e.roi)
      IS DISTINCT FROM (r.nps, r.csat, r.csat100, r.rate, r.leads, r.opps, r.deals, r.cac, r.roi);
SELECT p.k, p.nps = s.nps AS nps_equal, p.csat = s.csat AS csat_equal, p.f = s.f AS funnel_equal, p.roi = s.roi AS roi_equal
FROM (SELECT id % 2 AS k, gm.nps(score) nps, gm.csat(csat) csat, gm.funnel(stage) f, gm.roi(revenue, spend) roi
      FROM kpi_regress.psurvey GROUP BY 1) p
JOIN (SELECT id % 2 AS k, gm.nps(score) nps, gm.csat(csat) csat, gm.funnel(stage) f, gm.roi(revenue, spend) roi
      FROM kpi_regress.survey GROUP BY 1) s USING (k)
ORDER BY p.k;
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-- small exact cases, empty groups and NULLs
SELECT gm.nps(s) FROM unnest('{9,10,10,7,8,0,6}'::int[]) s;
SELECT gm.nps(s) FROM unnest('{10,10}'::int[]) s;
SELECT gm.nps(s) FROM unnest('{0,6}'::int[]) s;
SELECT gm.nps(s) IS NULL AS empty_is_null FROM unnest('{}'::int[]) s;
SELECT gm.nps(s) IS NULL AS all_null_is_null FROM unnest('{NULL,NULL}'::int[]) s;
SELECT gm.csat(s), gm.csat(s, 5) FROM unnest('{1,2,3,4,5,NULL}'::int[]) s;
SELECT gm.csat(s, 100) FROM unnest('{90,65,85,NULL}'::int[]) s;
SELECT gm.rate(b) FROM unnest('{t,t,f,NULL}'::boolean[]) b;
SELECT gm.rate(b) IS NULL AS empty_is_null FROM unnest('{}'::boolean[]) b;
SELECT (gm.funnel(s)).* FROM unnest('{1,1,1,1,2,2,3,NULL}'::int[]) s;
SELECT (gm.funnel(s)).* FROM unnest('{}'::int[]) s;
SELECT gm.cac(a, b) FROM (VALUES (1000.00, 4::bigint), (500, 2), (NULL, 5), (300, NULL)) v(a, b);
SELECT gm.cac(a, b) IS NULL AS no_customers_is_null FROM (VALUES (1000.00, 0::bigint)) v(a, b);
SELECT gm.roi(r, c) FROM (VALUES (1500.0, 1000.0), (500, 500)) v(r, c);
SELECT gm.roi(r, c) IS NULL AS zero_cost_is_null FROM (VALUES (100.0, 0.0)) v(r, c);
-- as window aggregates (running values)
SELECT s, gm.nps(s) OVER (ORDER BY i) FROM unnest('{10,0,9,7}'::int[]) WITH ORDINALITY u(s, i);
-- bad input
SELECT gm.nps(s) FROM unnest('{5,11}'::int[]) s;
SELECT gm.nps(s) FROM unnest('{-1}'::int[]) s;
SELECT gm.csat(s) FROM unnest('{0}'::int[]) s;
SELECT gm.csat(s, 100) FROM unnest('{101}'::int[]) s;
SELECT gm.csat(s, 10) FROM unnest('{5}'::int[]) s;
SELECT gm.csat(s, k) FROM (VALUES (5, 5), (50, 100)) v(s, k);
SELECT gm.funnel(s) FROM unnest('{4}'::int[]) s;
SELECT gm.cac(-1, 1);
SELECT gm.cac(1, -1);
SELECT gm.cac('NaN', 1);
SELECT gm.roi(1, -1);

-- targets
SELECT gm.split_target(100, '{1,1,1}');
SELECT gm.split_target(-100, '{1,1,1}');
SELECT gm.split_target(10, '{1,1,1}', 2);
SELECT gm.split_target(7, '{0,1,2}');
SELECT gm.split_target(1, '{1,1,1}');
SELECT gm.split_target(0, '{3,1}');
SELECT gm.split_target(1000, '{0.5,0.25,0.25}', 1);
SELECT gm.split_target(12345.67, '{3,3,1}', 2), (SELECT sum(x) FROM unnest(gm.split_target(12345.67, '{3,3,1}', 2)) x);
SELECT gm.split_target(10, '[0:1]={1,3}');
SELECT gm.split_target(5, '{0,0}') IS NULL AS zero_weights_null;
SELECT gm.split_target(NULL, '{1}') IS NULL AS null_total_null;
SELECT gm.split_target(1, '{}');
SELECT gm.split_target(1, '{1,-1}');
SELECT gm.split_target(1, '{1,NULL}');
SELECT gm.split_target(1.5, '{1,1}');
SELECT gm.split_target(1, '{1,1}', -1);
SELECT gm.split_target(1, '{{1},{1}}');
SELECT * FROM gm.split_target_by(100, '{11,22,33}', '{1,1,2}');
SELECT * FROM gm.split_target_by(100, '{11,22}', '{1,1,2}');
SELECT quarter, month, value FROM gm.split_year(1200);
SELECT quarter, sum(value) FROM gm.split_year(1000, '{1,1,1,1,1,1,1,1,1,1,1,2}') GROUP BY quarter ORDER BY quarter;
SELECT quarter, month, value FROM gm.split_year(100, '{0,0,0,1,1,1,0,0,0,0,0,1}', 1);
SELECT * FROM gm.split_year(100, '{1,1}');

-- monitoring
SELECT gm.attainment(80, 100), gm.attainment(0, 50), gm.attainment(10, 0) IS NULL AS zero_target, gm.attainment(10, NULL) IS NULL AS null_target;
SELECT gm.attainment(1, -1);
SELECT a, gm.deviation_light(a, 100) AS light, gm.deviation_light(a, 100, 0.05) AS tight
FROM unnest('{70,84.99,85,100,115,115.01,200}'::numeric[]) a;
SELECT gm.deviation_light(1, 0) IS NULL AS zero_plan, gm.deviation_light(NULL, 1) IS NULL AS null_actual;
SELECT gm.deviation_light(1, 1, -0.1);
SELECT s, e, gm.budget_alert(s, 100, e) AS alert
FROM (VALUES (10, 0.5), (60, 0.5), (60.01, 0.5), (79, 0.9), (80, 0.9), (80, 0.6), (0, 0), (1, 0), (100, 1)) v(s, e);
SELECT gm.budget_alert(1, 0, 0.5) IS NULL AS zero_budget, gm.budget_alert(1, NULL, 0.5) IS NULL AS null_budget;
SELECT gm.budget_alert(1, 100, 1.5);
SELECT gm.budget_alert(-1, 100, 0.5);
SELECT c, gm.yoy_alert(c, 100) AS yoy, gm.yoy_alert(c, -100) AS from_loss
FROM unnest('{79,80,100,120,120.5}'::numeric[]) c;
SELECT gm.yoy_alert(5, 0) IS NULL AS zero_last_year;
SELECT gm.yoy_alert(5, 1, -0.2);
SELECT pos, gm.bottom_flag(pos, 25) AS b10, gm.bottom_flag(pos, 25, 0.2) AS b20 FROM generate_series(1, 6) pos;
SELECT gm.bottom_flag(1, 0);
SELECT gm.bottom_flag(1, 10, 0);
SELECT c, gm.manager_load_light(c) AS light, gm.manager_load_light(c * 3, 3, 250) AS cap250, gm.manager_load_band(c) AS band
FROM unnest('{150,200,300,301,499,500}'::bigint[]) c;
SELECT gm.manager_load_light(100, 0) IS NULL AS no_manager;
SELECT gm.manager_load_light(-1);
SELECT gm.param('manager_load_max');
SELECT gm.param('no_such_threshold');

-- the SVG map: a square with a hole, a two-part multipolygon, a shape without value, XML escaping
SELECT gm.svg_map(g, v, l ORDER BY l)
FROM (VALUES ('MULTIPOLYGON(((0 0,10 0,10 10,0 10,0 0),(4 4,6 4,6 6,4 6,4 4)))'::geometry, 10::numeric, 'A&B'),
             ('MULTIPOLYGON(((10 0,20 0,20 5,10 5,10 0)),((12 7,14 7,14 9,12 9,12 7)))', 20, 'C<D>'),
             ('POLYGON((0 10,20 10,20 12,0 12,0 10))', NULL, 'E'),
             (NULL, 5, 'skipped')) t(g, v, l);
SELECT gm.svg_map(g, v, l)
FROM (VALUES ('POLYGON((0 0,1 0,1 1,0 0))'::geometry, 'green'::gm.light, 'g'),
             ('POLYGON((1 0,2 0,2 1,1 0))', 'red', 'r')) t(g, v, l);
SELECT gm.svg_map(g, 1, 'x') IS NULL AS no_rows_null FROM (SELECT 'POINT(0 0)'::geometry g WHERE false) t;
SELECT gm.svg_map('CIRCULARSTRING(0 0,1 1,2 0)'::geometry, 1, 'x');
SELECT gm.svg_map('POLYGON((0 0,1 0,1 1,0 0))'::geometry, 'NaN'::numeric, 'x');

RESET search_path;
DROP SCHEMA kpi_regress CASCADE;
DROP SCHEMA kpi_ref CASCADE;
RESET extra_float_digits;
RESET client_min_messages;
