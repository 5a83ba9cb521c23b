-- kpi: KPI aggregates, targets and monitoring (pgTAP; runs in its own database; the map: map.sql)
SET client_min_messages = warning;
SELECT no_plan();
-- the reference formulas: the shared test oracle (schema kpi_ref, dropped at the end)
\ir ../oracle/kpi_reference.sql

-------------------------------------------------------------------------------
-- catalog: labels, states, combine functions
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND p.proname IN ('nps', 'csat', 'rate', 'funnel', 'cac', 'roi', 'svg_map')
             AND p.prokind = 'a' AND p.proparallel = 's'),
          11, 'the eleven KPI and map aggregates are PARALLEL SAFE');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND a.aggcombinefn <> 0 AND p.proname IN ('nps', 'csat', 'rate', 'funnel', 'cac', 'roi', 'svg_map')),
          11, 'every KPI and map aggregate has a combine function');
SELECT is((SELECT array_agg(p.proname::text || ':' || format_type(a.aggtranstype, NULL) ORDER BY p.proname, p.pronargs)
           FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND p.proname IN ('nps', 'csat', 'rate', 'funnel', 'cac', 'roi')),
          ARRAY['cac:numeric[]', 'csat:bigint[]', 'csat:bigint[]', 'funnel:bigint[]', 'nps:bigint[]', 'rate:bigint[]', 'roi:numeric[]'],
          'KPI aggregates keep fixed, non-internal states');
SELECT is((SELECT count(*)::int FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND p.proname = 'svg_map' AND a.aggserialfn <> 0 AND a.aggdeserialfn <> 0),
          4, 'gm.svg_map (internal state, four forms) has serial and deserial functions');
SELECT is((SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'gm' AND p.prokind = 'f' AND p.proparallel <> 's'
             AND p.proname IN ('_nps_accum', '_nps_combine', '_nps_final', '_csat_accum', '_csat_combine', '_csat_final',
                               '_rate_accum', '_rate_combine', '_rate_final', '_funnel_accum', '_funnel_combine', '_funnel_final',
                               '_cac_accum', '_roi_accum', '_money_combine', '_cac_final', '_roi_final',
                               'split_target', 'split_target_by', 'split_year', 'attainment', 'deviation_light',
                               'budget_alert', 'yoy_alert', 'bottom_flag', 'manager_load_light', 'manager_load_band')),
          0, 'KPI support and monitoring functions are PARALLEL SAFE');
SELECT volatility_is('gm', '_nps_accum', ARRAY['bigint[]', 'integer'], 'immutable', 'NPS transition is IMMUTABLE (ships to shards)');
SELECT volatility_is('gm', 'split_target', ARRAY['numeric', 'numeric[]', 'integer'], 'immutable', 'split_target is IMMUTABLE');
SELECT volatility_is('gm', 'deviation_light', ARRAY['numeric', 'numeric', 'numeric'], 'immutable', 'deviation_light is IMMUTABLE');
SELECT volatility_is('gm', 'budget_alert', ARRAY['numeric', 'numeric', 'numeric', 'numeric', 'numeric'], 'immutable', 'budget_alert is IMMUTABLE');
SELECT volatility_is('gm', 'manager_load_light', ARRAY['bigint', 'integer', 'integer'], 'stable', 'manager_load_light reads the threshold table: STABLE');
SELECT volatility_is('gm', 'split_to_children', ARRAY['numeric', 'bigint', 'text', 'integer'], 'stable', 'split_to_children reads gm.grid: STABLE');
SELECT is((SELECT count(*)::int FROM pg_depend d JOIN pg_proc p ON p.oid = d.objid JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE d.deptype = 'e' AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'grid_marketing')
             AND n.nspname = 'gm' AND p.proname IN ('nps', '_nps_accum', '_nps_combine', '_nps_final')),
          4, 'gm.nps and its support functions belong to the extension (postgres_fdw ships them)');

-------------------------------------------------------------------------------
-- random data: every aggregate equals the stock SQL formula, serial, parallel and partition-wise
SELECT setseed(0.7);
CREATE TABLE kt (grid int, score int, csat int, c100 int, stage int, ok boolean, spend numeric, newc bigint, revenue numeric)
    WITH (parallel_workers = 2);
INSERT INTO kt
SELECT (random() * 99)::int + 1,
       CASE WHEN random() < 0.02 THEN NULL ELSE (random() * 10)::int END,
       CASE WHEN random() < 0.02 THEN NULL ELSE 1 + (random() * 4)::int END,
       (random() * 100)::int,
       CASE WHEN random() < 0.02 THEN NULL ELSE 1 + (random() * 2)::int END,
       CASE WHEN random() < 0.02 THEN NULL ELSE random() < 0.8 END,
       CASE WHEN random() < 0.02 THEN NULL ELSE round((random() * 1000)::numeric, 2) END,
       CASE WHEN random() < 0.02 THEN NULL ELSE (random() * 3)::bigint END,
       CASE WHEN random() < 0.02 THEN NULL ELSE round((random() * 3000)::numeric, 2) END
FROM generate_series(1, 100000);
ANALYZE kt;
-- NULL spend, customers and revenue on their own rows: CAC and ROI count only rows with both
CALL kpi_ref.create_view('kt_ref', 'kt', 'grid');
CALL kpi_ref.create_view('kt_ref_all', 'kt');
CREATE FUNCTION kt_diff(tab text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
  EXECUTE format($q$
    SELECT count(*) FROM (
      SELECT grid, gm.nps(score) AS nps, gm.csat(csat) AS csat, gm.csat(c100, 100) AS csat100, gm.rate(ok) AS rate,
             gm.funnel(stage) AS f, gm.cac(spend, newc) AS cac, gm.roi(revenue, spend) AS roi
      FROM %s GROUP BY grid) e FULL JOIN kt_ref r USING (grid)
    WHERE (e.nps, e.csat, e.csat100, e.rate, e.f, e.cac, e.roi)
          IS DISTINCT FROM (r.nps, r.csat, r.csat100, r.rate, r.funnel, r.cac, r.roi)$q$, tab) INTO n;
  RETURN n;
END $$;
CREATE FUNCTION plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || r || E'\n'; END LOOP;
  RETURN p;
END $$;

SET max_parallel_workers_per_gather = 0;
SELECT is(kt_diff('kt'), 0::bigint, 'serial: all aggregates equal the SQL formulas on 100 random grids');
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT matches(plan_of('SELECT grid, gm.nps(score), gm.csat(csat), gm.csat(c100, 100), gm.rate(ok), gm.funnel(stage), gm.cac(spend, newc), gm.roi(revenue, spend) FROM kt GROUP BY grid'),
               'Partial (Hash|Group)?Aggregate', 'forced parallel: the plan has a Partial aggregate');
SELECT is(kt_diff('kt'), 0::bigint, 'forced parallel: all aggregates equal the SQL formulas');
SELECT is((SELECT gm.nps(score) FROM kt), (SELECT nps FROM kt_ref_all),
          'forced parallel: whole-table NPS combines worker states exactly');
SELECT matches(plan_of('SELECT gm.svg_map(NULL::geometry, 1, NULL) FROM kt'), 'Partial Aggregate', 'gm.svg_map runs as a partial aggregate');

CREATE TABLE kt_part (LIKE kt) PARTITION BY RANGE (grid);
CREATE TABLE kt_part_1 PARTITION OF kt_part FOR VALUES FROM (MINVALUE) TO (34);
CREATE TABLE kt_part_2 PARTITION OF kt_part FOR VALUES FROM (34) TO (67);
CREATE TABLE kt_part_3 PARTITION OF kt_part FOR VALUES FROM (67) TO (MAXVALUE);
INSERT INTO kt_part SELECT * FROM kt;
ANALYZE kt_part;
SET enable_partitionwise_aggregate = on;
SELECT is(kt_diff('kt_part'), 0::bigint, 'partition-wise (and parallel): all aggregates equal the SQL formulas');
SET max_parallel_workers_per_gather = 0;
SELECT matches(plan_of('SELECT score > 5, gm.nps(score) FROM kt_part GROUP BY 1'), 'Partial HashAggregate.*Partial HashAggregate',
               'partition-wise partial aggregation below a Finalize (combine across partitions)');
SELECT results_eq('SELECT score > 5 AS k, gm.nps(score) n FROM kt_part GROUP BY 1 ORDER BY 1',
                  format('SELECT score > 5 AS k, %s n FROM kt GROUP BY 1 ORDER BY 1', kpi_ref.nps_sql('score')),
                  'partition-wise partial NPS equals the formula');
SELECT is((SELECT array_agg(f::text ORDER BY k) FROM (SELECT grid % 2 AS k, gm.funnel(stage) f FROM kt_part GROUP BY 1) x),
          (SELECT array_agg(f::text ORDER BY k) FROM (SELECT grid % 2 AS k, gm.funnel(stage) f FROM kt GROUP BY 1) x),
          'partition-wise partial funnel equals the plain one');
RESET enable_partitionwise_aggregate;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;

-------------------------------------------------------------------------------
-- values, edges, NULLs
SELECT is(gm.nps(s), 100.0 * (3 - 2) / 7, 'NPS of 9,10,10,7,8,0,6') FROM unnest('{9,10,10,7,8,0,6}'::int[]) s;
SELECT is(gm.nps(s), 100.0 * (0 - 0) / 2, 'passives only: NPS 0') FROM unnest('{7,8}'::int[]) s;
SELECT is(gm.nps(s)::text, '-100.0000000000000000', 'all detractors: -100') FROM unnest('{0,6,NULL}'::int[]) s;
SELECT is(gm.nps(s), NULL, 'no rows: NULL') FROM unnest('{}'::int[]) s;
SELECT is(gm.nps(s), 100.0, 'smallint scores are accepted') FROM unnest('{9,10}'::smallint[]) s;
SELECT throws_ok('SELECT gm.nps(s) FROM unnest(''{1,11}''::int[]) s', '22003', 'NPS score 11 is out of range', 'score 11: 22003');
SELECT throws_ok('SELECT gm.nps(-1)', '22003', NULL, 'score -1: 22003');
SELECT is(gm.csat(s), 60.0, 'CSAT top-2 share of 5,4,4,2,1 = 60 %') FROM unnest('{5,4,4,2,1}'::int[]) s;
SELECT is(gm.csat(s, 100), 77.5, 'CSAT mean on 100-point scale') FROM unnest('{90,65,NULL}'::int[]) s;
SELECT throws_ok('SELECT gm.csat(6)', '22003', NULL, 'CSAT 6 on the 5-point scale: 22003');
SELECT throws_ok('SELECT gm.csat(3, 7)', '22023', NULL, 'CSAT scale 7: 22023');
SELECT throws_ok('SELECT gm.csat(s, k) FROM (VALUES (5, 5), (50, 100)) v(s, k)', '22000', NULL, 'CSAT scale changing in a group: 22000');
SELECT is(gm.rate(b), 0.5, 'rate of t,f,NULL') FROM unnest('{t,f,NULL}'::boolean[]) b;
SELECT is(gm.rate(b), NULL, 'rate of only NULLs: NULL') FROM unnest('{NULL}'::boolean[]) b;
SELECT is(gm.funnel(s), ROW(10, 3, 1, 0.3, 1.0 / 3, 0.1)::gm.funnel_stats, 'funnel counts and rates')
FROM unnest('{1,1,1,1,1,1,1,2,2,3}'::int[]) s;
SELECT is(gm.funnel(s), ROW(2, 0, 0, 0, NULL, 0)::gm.funnel_stats, 'no opportunities: opportunity → deal is NULL')
FROM unnest('{1,1}'::int[]) s;
SELECT throws_ok('SELECT gm.funnel(0)', '22003', NULL, 'funnel stage 0: 22003');
SELECT is(gm.cac(a, b), 250.0, 'CAC = 1500 / 6') FROM (VALUES (1000.00, 4::bigint), (500, 2), (NULL, 5)) v(a, b);
SELECT is(gm.cac(a, b), NULL, 'CAC with no new customers: NULL') FROM (VALUES (10.0, 0::bigint)) v(a, b);
SELECT throws_ok('SELECT gm.cac(-5, 1)', '22003', NULL, 'negative spend: 22003');
SELECT throws_ok('SELECT gm.cac(5, -1)', '22003', NULL, 'negative new customers: 22003');
SELECT throws_ok($$SELECT gm.cac('Infinity', 1)$$, '22003', NULL, 'infinite spend: 22003');
SELECT is(gm.roi(r, c), -0.5, 'ROI (500 - 1000) / 1000') FROM (VALUES (500.0, 1000.0)) v(r, c);
SELECT is(gm.roi(r, c), NULL, 'ROI with zero cost: NULL') FROM (VALUES (500.0, 0.0)) v(r, c);
SELECT throws_ok('SELECT gm.roi(5, -1)', '22003', NULL, 'negative cost: 22003');
-- the same small, NULL, empty and edge groups against the reference formulas
SELECT is((SELECT count(*)::int FROM (VALUES ('{9,10,10,7,8,0,6}'::int[]), ('{7,8}'), ('{0,6,NULL}'), ('{}'), ('{NULL,NULL}'),
                                            ('{9}'), ('{6}'), ('{10,10}'), ('{0,1,2,3,4,5,6,7,8,9,10}'), ('{9,NULL,6}')) v(a)
           WHERE (SELECT gm.nps(s) FROM unnest(a) s) IS DISTINCT FROM kpi_ref.nps(a)), 0, 'NPS equals the reference on small, NULL and empty groups');
SELECT is((SELECT count(*)::int FROM (VALUES ('{5,4,4,2,1}'::int[]), ('{1,2,3,4,5,NULL}'), ('{}'), ('{NULL}'), ('{3}'), ('{4}'), ('{5,5}')) v(a)
           WHERE (SELECT gm.csat(s) FROM unnest(a) s) IS DISTINCT FROM kpi_ref.csat(a)
              OR (SELECT gm.csat(s, 5) FROM unnest(a) s) IS DISTINCT FROM kpi_ref.csat(a, 5)), 0, 'CSAT (5-point) equals the reference');
SELECT is((SELECT count(*)::int FROM (VALUES ('{90,65,NULL}'::int[]), ('{90,65,85}'), ('{}'), ('{NULL}'), ('{0,100}'), ('{1,2,2}')) v(a)
           WHERE (SELECT gm.csat(s, 100) FROM unnest(a) s) IS DISTINCT FROM kpi_ref.csat(a, 100)), 0, 'CSAT (100-point mean) equals the reference');
SELECT is((SELECT count(*)::int FROM (VALUES ('{t,f,NULL}'::boolean[]), ('{NULL}'), ('{}'), ('{t,t,f}'), ('{f}'), ('{t}')) v(a)
           WHERE (SELECT gm.rate(b) FROM unnest(a) b) IS DISTINCT FROM kpi_ref.rate(a)), 0, 'rate equals the reference');
SELECT is((SELECT count(*)::int FROM (VALUES ('{1,1,1,1,1,1,1,2,2,3}'::int[]), ('{1,1}'), ('{}'), ('{NULL}'), ('{3}'), ('{2,2,NULL}'), ('{1,1,1,1,2,2,3,NULL}')) v(a)
           WHERE (SELECT gm.funnel(s) FROM unnest(a) s) IS DISTINCT FROM kpi_ref.funnel(a)), 0, 'funnel (counts and the three rates) equals the reference');
SELECT is((SELECT count(*)::int FROM (VALUES ('{1000.00,500,NULL}'::numeric[], '{4,2,5}'::bigint[]), ('{1000.00,500,NULL,300}', '{4,2,5,NULL}'),
                                            ('{10.0}', '{0}'), ('{}', '{}'), ('{NULL}', '{NULL}'), ('{0,0}', '{1,2}'), ('{300,100}', '{NULL,2}'), ('{1}', '{3}')) v(s, n)
           WHERE (SELECT gm.cac(x, y) FROM unnest(s, n) u(x, y)) IS DISTINCT FROM kpi_ref.cac(s, n)), 0,
          'CAC equals the reference: spend of a row without a customer count is not counted (seed 000: 营销总投入 / 新增客户数)');
SELECT is((SELECT count(*)::int FROM (VALUES ('{500.0}'::numeric[], '{1000.0}'::numeric[]), ('{500.0}', '{0.0}'), ('{1500.0,500}', '{1000.0,500}'),
                                            ('{}', '{}'), ('{NULL,100}', '{50,100}'), ('{100,200}', '{NULL,100}'), ('{-100,50}', '{100,100}')) v(r, c)
           WHERE (SELECT gm.roi(x, y) FROM unnest(r, c) u(x, y)) IS DISTINCT FROM kpi_ref.roi(r, c)), 0,
          'ROI equals the reference: only rows with both revenue and cost count');
SELECT is((SELECT count(*)::int FROM (VALUES
             ('{2026-03-01,2026-03-01,2026-03-05,2026-03-20,NULL}'::timestamptz[], '{2026-02-28,2026-03-02,NULL,NULL,2026-03-01}'::timestamptz[]),
             ('{2026-03-10,2026-03-09}', '{NULL,2026-03-09}'), ('{NULL,NULL}', '{2026-03-01,NULL}'), ('{}', '{}'), ('{2026-03-11}', '{NULL}')) v(d, f)
           WHERE (SELECT gm.on_time_rate(x, y, '2026-03-10') FROM unnest(d, f) u(x, y)) IS DISTINCT FROM kpi_ref.on_time_rate(d, f, '2026-03-10')), 0,
          'on_time_rate equals the reference: no due time is not measured, open items count once past due');

-------------------------------------------------------------------------------
-- split_target: properties on random inputs
CREATE TABLE st AS
SELECT k, round((random() * 2e6 - 1e6)::numeric, d) AS total, d,
       ARRAY(SELECT CASE WHEN random() < 0.2 THEN 0 ELSE round((random() * 10)::numeric, 3) END
             FROM generate_series(1, 1 + (k % 9)) WHERE k > 0) || 1::numeric AS w
FROM generate_series(1, 500) k, LATERAL (SELECT (k % 4) AS d) dd;
ALTER TABLE st ADD COLUMN parts numeric[];
UPDATE st SET parts = gm.split_target(total, w, d);
SELECT is((SELECT count(*)::int FROM st WHERE (SELECT sum(x) FROM unnest(parts) x) <> total), 0,
          'split_target: the parts sum exactly to the total (500 random cases)');
SELECT is((SELECT count(*)::int FROM st, LATERAL unnest(parts, w) WITH ORDINALITY u(p, wi, i)
           WHERE abs(p - kpi_ref.quota(total, wi, w)) >= 10::numeric ^ (-d)), 0,
          'split_target: every part is within one unit of its exact quota');
SELECT is((SELECT count(*)::int FROM st, LATERAL unnest(parts, w) u(p, wi) WHERE wi = 0 AND p <> 0), 0,
          'split_target: zero weights get zero');
SELECT is((SELECT count(*)::int FROM st WHERE parts IS DISTINCT FROM gm.split_target(total, w, d)), 0, 'split_target is deterministic');
SELECT is((SELECT count(*)::int FROM st WHERE parts IS DISTINCT FROM kpi_ref.split_target(total, w, d)), 0,
          'split_target equals the largest-remainder reference (ties to the earlier position)');
SELECT is((SELECT count(*)::int FROM st WHERE gm.split_target(-total, w, d) IS DISTINCT FROM
                                             ARRAY(SELECT -x FROM unnest(parts) x)), 0,
          'split_target: a negative total mirrors the positive one');
SELECT is(gm.split_target(2, '{1,1,1}'), '{1,1,0}'::numeric[], 'ties go to the earlier position');
SELECT is(gm.split_target(100, '{1,0,0}'), '{100,0,0}'::numeric[], 'one non-zero weight takes everything');
SELECT is(gm.split_target(100, '{0,0}'), NULL, 'all-zero weights: NULL');
SELECT throws_ok($$SELECT gm.split_target(1, '{}')$$, '2202E', NULL, 'empty weights: 2202E');
SELECT throws_ok($$SELECT gm.split_target(1, '{1,NULL}')$$, '22004', NULL, 'NULL weight: 22004');
SELECT throws_ok($$SELECT gm.split_target(1, '{-1,2}')$$, '22003', NULL, 'negative weight: 22003');
SELECT throws_ok($$SELECT gm.split_target(1, '{NaN}')$$, '22003', NULL, 'NaN weight: 22003');
SELECT throws_ok($$SELECT gm.split_target('NaN', '{1}')$$, '22003', NULL, 'NaN total: 22003');
SELECT throws_ok($$SELECT gm.split_target(0.5, '{1}')$$, '22003', NULL, 'total finer than decimals: 22003');
SELECT throws_ok($$SELECT gm.split_target(1, '{1}', 13)$$, '22003', NULL, 'decimals 13: 22003');
SELECT is((SELECT array_agg(value ORDER BY month) FROM gm.split_year(1200)), '{100,100,100,100,100,100,100,100,100,100,100,100}'::numeric[],
          'split_year: equal months by default');
SELECT is((SELECT sum(value) FROM gm.split_year(1234567.89, '{1.2,1,1,1,1,1,0.8,0.8,1,1.1,1.3,1.5}', 2)), 1234567.89,
          'split_year: months sum to the year');
SELECT is((SELECT array_agg(s ORDER BY quarter) FROM (SELECT quarter, sum(value) s FROM gm.split_year(1000, '{1,1,1,1,1,1,1,1,1,1,1,2}') GROUP BY quarter) q),
          gm.split_target(1000, kpi_ref.quarter_weights('{1,1,1,1,1,1,1,1,1,1,1,2}')), 'split_year: quarters are the split of the year by quarter weights');
SELECT is((SELECT count(*)::int FROM gm.split_year(10, '{0,0,0,0,0,0,0,0,0,0,0,0}')), 0, 'split_year: all-zero weights give no rows');
SELECT throws_ok($$SELECT * FROM gm.split_year(10, '{1,2,3}')$$, '2202E', NULL, 'split_year with 3 weights: 2202E');
SELECT throws_ok($$SELECT * FROM gm.split_target_by(10, '{1,2}', '{1}')$$, '2202E', NULL, 'split_target_by with mismatched arrays: 2202E');

-- grid tree: split over children and roll-up
-- logical grids: a tree without polygons (physical grids need a geometry or children)
INSERT INTO gm.grid(code, name, kind) VALUES ('KR', 'region', 'logical');
INSERT INTO gm.grid(code, name, kind, parent_id, capacity, attrs)
SELECT 'KR-' || i, 'grid ' || i, 'logical', (SELECT grid_id FROM gm.grid WHERE code = 'KR'), 100 * i, jsonb_build_object('households', 10 * i)
FROM generate_series(1, 3) i;
INSERT INTO gm.grid(code, name, kind, parent_id) SELECT 'KR-1-a', 'micro', 'logical', grid_id FROM gm.grid WHERE code = 'KR-1';
SELECT is((SELECT array_agg(value ORDER BY code) FROM gm.split_to_children(100, (SELECT grid_id FROM gm.grid WHERE code = 'KR'))),
          '{34,33,33}'::numeric[], 'split_to_children: equal weights');
SELECT is((SELECT array_agg(value ORDER BY code) FROM gm.split_to_children(600, (SELECT grid_id FROM gm.grid WHERE code = 'KR'), 'capacity')),
          '{100,200,300}'::numeric[], 'split_to_children: by capacity');
SELECT is((SELECT array_agg(value ORDER BY code) FROM gm.split_to_children(60, (SELECT grid_id FROM gm.grid WHERE code = 'KR'), 'households')),
          '{10,20,30}'::numeric[], 'split_to_children: by an attrs key');
SELECT throws_ok($$SELECT * FROM gm.split_to_children(1, 1, 'x; drop')$$, '42602', NULL, 'split_to_children with a bad weight name: 42602');
SELECT is((SELECT array_agg(r.code || '=' || a.actual ORDER BY r.code)
           FROM gm.rollup_actuals(ARRAY(SELECT grid_id FROM gm.grid WHERE code IN ('KR-1-a', 'KR-2', 'KR-3') ORDER BY code),
                                  '{5,7,NULL}') a JOIN gm.grid r ON r.grid_id = a.grid_id),
          ARRAY['KR=12', 'KR-1=5', 'KR-1-a=5', 'KR-2=7', NULL], 'rollup_actuals: a grid''s actual counts in every ancestor');
SELECT is((SELECT max(depth) FROM gm.grid_closure c JOIN gm.grid g ON g.grid_id = c.grid_id WHERE g.code = 'KR-1-a'), 2,
          'grid_closure: a micro-grid is two levels below its region');

-------------------------------------------------------------------------------
-- monitoring
SELECT is(gm.attainment(45, 50), 0.9, 'attainment 45 / 50');
SELECT is(gm.attainment(1, 0), NULL, 'attainment with zero target: NULL');
SELECT is(gm.attainment(NULL, 5), NULL, 'attainment with NULL actual: NULL');
SELECT throws_ok('SELECT gm.attainment(1, -2)', '22003', NULL, 'negative target: 22003');
SELECT is(gm.deviation_light(85, 100), 'green'::gm.light, '-15 % exactly: green');
SELECT is(gm.deviation_light(84.9, 100), 'red'::gm.light, 'more than 15 % behind: red');
SELECT is(gm.deviation_light(115.1, 100), 'yellow'::gm.light, 'more than 15 % ahead: yellow');
SELECT is(gm.deviation_light(96, 100, 0.03), 'red'::gm.light, 'custom tolerance');
SELECT is(gm.deviation_light(5, 0), NULL, 'zero plan: NULL');
SELECT throws_ok('SELECT gm.deviation_light(1, 1, -1)', '22003', NULL, 'negative tolerance: 22003');
SELECT throws_ok('SELECT gm.deviation_light(1, -1)', '22003', NULL, 'negative plan: 22003');
SELECT is(gm.budget_alert(79.99, 100, 0.9), 0, 'budget 79.99 % at 90 % time: none');
SELECT is(gm.budget_alert(80, 100, 0.9), 1, 'budget 80 % consumed: level 1');
SELECT is(gm.budget_alert(61, 100, 0.5), 2, 'budget 61 % at half time (> 1.2 × 50 %): level 2');
SELECT is(gm.budget_alert(60, 100, 0.5), 0, 'budget exactly 1.2 × elapsed: none');
SELECT is(gm.budget_alert(50, 100, 0.5, 0.5), 1, 'custom consumed level');
SELECT is(gm.budget_alert(1, 0, 0.5), NULL, 'zero budget: NULL');
SELECT throws_ok('SELECT gm.budget_alert(1, 1, -0.1)', '22003', NULL, 'elapsed fraction below 0: 22003');
SELECT throws_ok('SELECT gm.budget_alert(1, -1, 0.1)', '22003', NULL, 'negative budget: 22003');
SELECT throws_ok($$SELECT gm.budget_alert(50, 100, 0.5, 'NaN')$$, '22003', NULL, 'NaN consumed level: 22003');
SELECT throws_ok($$SELECT gm.budget_alert(50, 100, 0.5, 0.8, 'NaN')$$, '22003', NULL, 'NaN pace factor: 22003');
SELECT is(gm.yoy_alert(121, 100), 1, 'YoY +21 %: 1');
SELECT is(gm.yoy_alert(80, 100), 0, 'YoY -20 % exactly: 0');
SELECT is(gm.yoy_alert(79, 100), -1, 'YoY -21 %: -1');
SELECT is(gm.yoy_alert(110, 100, 0.05), 1, 'custom threshold');
SELECT is(gm.yoy_alert(1, 0), NULL, 'last year zero: NULL');
SELECT throws_ok('SELECT gm.yoy_alert(1, 1, -0.1)', '22003', NULL, 'negative threshold: 22003');
SELECT is((SELECT array_agg(g ORDER BY g) FROM (
             SELECT g, gm.bottom_flag(rank() OVER (ORDER BY v), count(*) OVER ()) AS b
             FROM (SELECT g, (g * 37) % 23 AS v FROM generate_series(1, 20) g) x) y WHERE b),
          (SELECT array_agg(g ORDER BY g) FROM (SELECT g FROM generate_series(1, 20) g ORDER BY (g * 37) % 23 LIMIT 2) z),
          'bottom_flag: the bottom 10 % of 20 ranked rows are 2 rows');
SELECT is(gm.bottom_flag(1, 3), true, 'bottom_flag: at least one row is flagged');
SELECT throws_ok('SELECT gm.bottom_flag(4, 3)', '22003', NULL, 'bottom_flag: position beyond n: 22003');
SELECT throws_ok('SELECT gm.bottom_flag(1, 3, 1.5)', '22003', NULL, 'bottom_flag: share above 1: 22003');
SELECT is(gm.manager_load_light(300), 'green'::gm.light, '300 customers per manager: green');
SELECT is(gm.manager_load_light(301), 'yellow'::gm.light, '301: yellow');
SELECT is(gm.manager_load_light(1000, 2), 'red'::gm.light, '500 per manager: red');
SELECT is(gm.manager_load_light(10, 0), NULL, 'no manager: NULL');
SELECT is(gm.manager_load_band(199), 'under', '199: under');
SELECT is(gm.manager_load_band(250), 'reasonable', '250: reasonable');
SELECT throws_ok('SELECT gm.manager_load_light(1, 1, 0)', '22003', NULL, 'capacity 0: 22003');
-- the monitoring functions against the reference formulas over grids of arguments
SELECT is((SELECT count(*)::int FROM generate_series(-20, 260, 5) a, unnest('{100,40,0.5,0}'::numeric[]) t
           WHERE gm.attainment(a, t) IS DISTINCT FROM kpi_ref.attainment(a, t)), 0, 'attainment equals the reference');
SELECT is((SELECT count(*)::int FROM generate_series(0, 2000) x, unnest('{100,80,0}'::numeric[]) p, unnest('{0.15,0.05,0,1}'::numeric[]) t,
                  LATERAL (SELECT x / 10.0 AS a) aa
           WHERE gm.deviation_light(a, p, t) IS DISTINCT FROM kpi_ref.deviation_light(a, p, t)), 0, 'deviation_light equals the reference');
SELECT is((SELECT count(*)::int FROM generate_series(0, 1200, 7) s, unnest('{1000,500,0}'::numeric[]) b,
                  generate_series(0, 10) e, unnest('{0.8,0.5}'::numeric[]) l, unnest('{1.2,1}'::numeric[]) f
           WHERE gm.budget_alert(s, b, e / 10.0, l, f) IS DISTINCT FROM kpi_ref.budget_alert(s, b, e / 10.0, l, f)), 0,
          'budget_alert equals the reference');
SELECT is((SELECT count(*)::int FROM generate_series(-300, 300, 3) c, unnest('{100,-100,250,0}'::numeric[]) l, unnest('{0.2,0.05,0}'::numeric[]) t
           WHERE gm.yoy_alert(c, l, t) IS DISTINCT FROM kpi_ref.yoy_alert(c, l, t)), 0, 'yoy_alert equals the reference');
SELECT is((SELECT count(*)::int FROM generate_series(1, 40) n, generate_series(1, 40) pos, unnest('{0.1,0.2,0.25,1}'::numeric[]) sh
           WHERE pos <= n AND gm.bottom_flag(pos, n, sh) IS DISTINCT FROM kpi_ref.bottom_flag(pos, n, sh)), 0, 'bottom_flag equals the reference');
SELECT is((SELECT count(*)::int FROM generate_series(0, 1600, 1) c, unnest('{1,2,3}'::int[]) m
           WHERE gm.manager_load_light(c, m) IS DISTINCT FROM kpi_ref.manager_load_light(c, m)
              OR gm.manager_load_light(c, m, 250) IS DISTINCT FROM kpi_ref.manager_load_light(c, m, 250)
              OR gm.manager_load_band(c, m) IS DISTINCT FROM kpi_ref.manager_load_band(c, m)), 0,
          'manager_load_light and manager_load_band equal the reference (seed thresholds 200 / 300 / 500)');
-- the thresholds are parameters: an edit of the shipped row wins at once, and only edited and user
-- rows are dumped
SELECT is((SELECT string_agg(format('%s=%s %s', name, value, unit), ', ' ORDER BY name) FROM gm.parameter WHERE name LIKE 'manager_load_%'),
          'manager_load_max=300 customers, manager_load_min=200 customers, manager_load_overload=500 customers',
          'the manager load thresholds: one row each, in customers');
SELECT is(ARRAY[gm.manager_load_light(260), gm.load_light(260)], ARRAY['green', 'green']::gm.light[], '260 customers: green for the KPI and for planning');
UPDATE gm.parameter SET value = 250 WHERE name = 'manager_load_max';
SELECT is(gm.manager_load_light(260), 'yellow'::gm.light, 'edited threshold 250 overrides the shipped 300');
SELECT is(gm.load_light(260), 'yellow'::gm.light, 'the same edit turns the planning load light yellow (one row, two features)');
SELECT is(ARRAY[gm.manager_load_band(260), gm.load_status(260)], ARRAY['high', 'high'], 'and both bands say high');
SELECT is(gm.param('manager_load_max'), 250::numeric, 'gm.param returns the edited value');
SELECT is((SELECT origin FROM gm.parameter WHERE name = 'manager_load_max'), 'edited'::gm.origin, 'the row is marked edited');
SELECT is((SELECT array_to_string(extcondition, ',') FROM pg_extension WHERE extname = 'grid_marketing')
            LIKE '%origin <> ''shipped''%', true, 'only edited and user parameter rows are dumped');
SELECT throws_ok($$SELECT gm.param('nope')$$, '42704', NULL, 'unknown parameter: 42704');
SELECT throws_ok($$DELETE FROM gm.parameter WHERE name = 'manager_load_max'$$, '55000', NULL, 'a shipped threshold cannot be deleted');
SELECT is((SELECT count(*)::int FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'gm' AND c.relname IN ('kpi_threshold', 'tier_config', 'planning_default', 'planning_setting', 'planning_settings'))
          + (SELECT count(*)::int FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'gm' AND p.proname IN ('kpi_threshold', 'planning_param')),
          0, 'no second store or reader of parameters (gm.param only)');
-- any role can read the thresholds (no superuser needed at run time)
CREATE ROLE kpi_reader;
GRANT USAGE ON SCHEMA gm TO kpi_reader;
CREATE TABLE reader_out (l gm.light, n numeric);
GRANT INSERT ON reader_out TO kpi_reader;
SET ROLE kpi_reader;
INSERT INTO reader_out SELECT gm.manager_load_light(260), (SELECT gm.nps(s) FROM unnest('{10,0}'::int[]) s);
RESET ROLE;
SELECT is((SELECT l::text || ' ' || n FROM reader_out), 'yellow 0.00000000000000000000', 'a role without table privileges gets thresholds and aggregates');
DROP TABLE reader_out;
REVOKE USAGE ON SCHEMA gm FROM kpi_reader;
DROP ROLE kpi_reader;

-------------------------------------------------------------------------------
-- postgres_fdw: grouped KPI aggregates ship whole to the shards (loopback foreign partitions)
CREATE EXTENSION postgres_fdw;
CREATE TABLE shard1 AS SELECT 1 AS region, grid, score, stage, ok, spend, newc, revenue FROM kt WHERE grid % 2 = 0;
CREATE TABLE shard2 AS SELECT 2 AS region, grid, score, stage, ok, spend, newc, revenue FROM kt WHERE grid % 2 = 1;
DO $$ BEGIN
  EXECUTE format('CREATE SERVER kpi_loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, extensions %L)',
                 split_part(current_setting('unix_socket_directories'), ',', 1), current_setting('port'), current_database(), 'grid_marketing');
END $$;
CREATE USER MAPPING FOR CURRENT_USER SERVER kpi_loop OPTIONS (user 'postgres');
CREATE TABLE fsurvey (region int, grid int, score int, stage int, ok boolean, spend numeric, newc bigint, revenue numeric) PARTITION BY LIST (region);
CREATE FOREIGN TABLE fsurvey_1 PARTITION OF fsurvey FOR VALUES IN (1) SERVER kpi_loop OPTIONS (table_name 'shard1');
CREATE FOREIGN TABLE fsurvey_2 PARTITION OF fsurvey FOR VALUES IN (2) SERVER kpi_loop OPTIONS (table_name 'shard2');
ANALYZE fsurvey;
SET enable_partitionwise_aggregate = on;
CREATE FUNCTION plan_verbose(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
  FOR r IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP p := p || r || E'\n'; END LOOP;
  RETURN p;
END $$;
SELECT is((SELECT count(*)::int FROM regexp_matches(
             plan_verbose('SELECT region, grid, gm.nps(score), gm.funnel(stage), gm.rate(ok), gm.cac(spend, newc), gm.roi(revenue, spend) FROM fsurvey GROUP BY region, grid'),
             'Remote SQL: SELECT region, grid, gm\.nps\(score\), gm\.funnel\(stage\), gm\.rate\(ok\), gm\.cac\(spend, newc\), gm\.roi\(revenue, spend\)', 'g')),
          2, 'postgres_fdw ships gm.nps, gm.funnel, gm.rate, gm.cac and gm.roi grouped by region, grid to both shards');
SELECT is((SELECT count(*)::int FROM
             (SELECT region, grid, gm.nps(score) n, gm.funnel(stage) f, gm.roi(revenue, spend) r FROM fsurvey GROUP BY 1, 2) a
             FULL JOIN
             (SELECT region, grid, gm.nps(score) n, gm.funnel(stage) f, gm.roi(revenue, spend) r
              FROM (SELECT * FROM shard1 UNION ALL SELECT * FROM shard2) u GROUP BY 1, 2) b USING (region, grid)
           WHERE a.n IS DISTINCT FROM b.n OR a.f::text IS DISTINCT FROM b.f::text OR a.r IS DISTINCT FROM b.r),
          0, 'shipped aggregates give the single-server answers');
RESET enable_partitionwise_aggregate;

-- NaN is a bad argument, never a silent light or level
SELECT throws_ok($$SELECT gm.attainment('NaN', 100)$$, '22003', NULL, 'attainment of NaN: 22003');
SELECT throws_ok($$SELECT gm.deviation_light('NaN', 100)$$, '22003', NULL, 'deviation_light of NaN: 22003');
SELECT throws_ok($$SELECT gm.yoy_alert('NaN', 100)$$, '22003', NULL, 'yoy_alert of NaN current: 22003');
SELECT throws_ok($$SELECT gm.yoy_alert(100, 'NaN')$$, '22003', NULL, 'yoy_alert of NaN last year: 22003');

DROP SCHEMA kpi_ref CASCADE;
SELECT * FROM finish();
