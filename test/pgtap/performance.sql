-- performance (issue #19): KPI catalogue, targets, actuals, attainment, scorecards, commission,
-- alerts, campaigns, BI views (pgTAP; runs in its own database; the LISTEN side and the
-- two-session race of gm.evaluate_alerts: test/scripts/alerts.sh)
SET client_min_messages = warning;
SELECT no_plan();

-- a small company: region R1 with grids G1, G2; region R2 with grid G3 ----------------------------
INSERT INTO gm.grid(code, name, kind, capacity, attrs) VALUES
    ('R1', '西湖片区', 'physical', NULL, '{}'), ('R2', '滨江片区', 'physical', NULL, '{}');
INSERT INTO gm.grid(code, name, kind, parent_id, capacity, attrs)
SELECT v.code, v.name, 'physical', (SELECT grid_id FROM gm.grid WHERE code = v.parent), v.cap, v.attrs::jsonb
FROM (VALUES ('G1', '网格一', 'R1', 300, '{"value_index": 3}'), ('G2', '网格二', 'R1', 200, '{"value_index": 1}'),
             ('G3', '网格三', 'R2', 100, '{"value_index": 2}')) v(code, name, parent, cap, attrs);
CREATE FUNCTION pg_temp.g(text) RETURNS bigint LANGUAGE sql AS $$ SELECT grid_id FROM gm.grid WHERE code = $1 $$;
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) VALUES
    (pg_temp.g('R1'), 'rm1', 'manager', '2025-01-01'), (pg_temp.g('R2'), 'rm2', 'manager', '2025-01-01'),
    (pg_temp.g('G1'), 'm1', 'manager', '2025-01-01'), (pg_temp.g('G1'), 'a1', 'marketer', '2025-01-01'),
    (pg_temp.g('G2'), 'm2', 'manager', '2025-01-01'), (pg_temp.g('G2'), 'a2', 'marketer', '2025-01-01'),
    (pg_temp.g('G2'), 'a3', 'marketer', '2025-01-01'), (pg_temp.g('G3'), 'm3', 'manager', '2025-01-01'),
    (pg_temp.g('G3'), 'inst3', 'installer', '2025-01-01');

-------------------------------------------------------------------------------
-- catalogue, in the configuration model
SELECT ok((SELECT count(*) FROM gm.kpi WHERE origin = 'shipped') >= 15, 'the seeds'' indicators are shipped');
SELECT is((SELECT direction || '/' || target_param || '/' || gm.param(target_param)::text FROM gm.kpi WHERE code = 'cac'),
          'lower/cac_target/700', 'CAC: lower is better, target 700 from gm.parameter');
SELECT is((SELECT string_agg(code || '=' || gm.param(target_param)::text, ',' ORDER BY code) FROM gm.kpi
            WHERE code IN ('nps', 'csat', 'ontime_rate', 'customers_per_grid', 'utilisation', 'leads_per_person_day',
                           'high_value_repurchase', 'response_hours', 'profile_completeness')),
          'csat=90,customers_per_grid=300,high_value_repurchase=0.5,leads_per_person_day=26,nps=70,ontime_rate=0.95,profile_completeness=0.85,response_hours=2,utilisation=0.85',
          'the seeds'' default targets, each read from the one parameter');
SELECT is((SELECT count(*)::int FROM gm.kpi k WHERE k.feed = 'computed' AND to_regproc(k.actual_fn) IS NULL), 0,
          'every computed indicator names an existing function');
INSERT INTO gm.kpi(code, name_zh, name_en, unit, direction, kind, feed, additive) VALUES
    ('store_visits', '到店数', 'store visits', 'visits', 'higher', 'process', 'external', true);
SELECT is((SELECT origin::text FROM gm.kpi WHERE code = 'store_visits'), 'user', 'an indicator of the user''s own is a user row');
UPDATE gm.kpi SET on_edit = 'flag' WHERE code = 'sales';
SELECT is((SELECT origin::text FROM gm.kpi WHERE code = 'sales'), 'edited', 'a changed shipped indicator becomes edited');
SELECT throws_ok($$DELETE FROM gm.kpi WHERE code = 'nps'$$, '55000', NULL, 'a shipped indicator cannot be deleted');
SELECT throws_ok($$INSERT INTO gm.kpi(code, name_zh, name_en, unit, direction, kind, feed, additive) VALUES ('x', 'x', 'x', 'x', 'up', 'result', 'external', true)$$,
                 '23514', NULL, 'a direction other than higher / lower is refused');
SELECT throws_ok($$INSERT INTO gm.kpi(code, name_zh, name_en, unit, direction, kind, feed, additive) VALUES ('y', 'y', 'y', 'y', 'higher', 'result', 'computed', true)$$,
                 '23514', NULL, 'a computed indicator needs its function');

-- direction-aware attainment and light
SELECT is(gm.kpi_attainment('higher', 90, 100), 0.9::numeric, 'attainment, higher is better: actual / target');
SELECT is(round(gm.kpi_attainment('lower', 800, 700), 4), 0.8571, 'attainment, lower is better: 2 − actual / target (CAC 800 against 700)');
SELECT is(gm.kpi_attainment('lower', 1500, 700), 0::numeric, 'attainment, lower is better, never below 0');
SELECT is(gm.kpi_attainment('higher', 5, 0), NULL, 'attainment against a zero target: NULL');
SELECT is(gm.kpi_attainment('lower', NULL, 700), NULL, 'attainment of a NULL actual: NULL');
SELECT throws_ok($$SELECT gm.kpi_attainment('sideways', 1, 1)$$, '22023', NULL, 'attainment: unknown direction 22023');
SELECT throws_ok($$SELECT gm.kpi_attainment('higher', 1, -1)$$, '22003', NULL, 'attainment: negative target 22003');
SELECT is(ARRAY[gm.kpi_light('higher', 100, 100), gm.kpi_light('higher', 90, 100), gm.kpi_light('higher', 80, 100),
                gm.kpi_light('lower', 650, 700), gm.kpi_light('lower', 750, 700), gm.kpi_light('lower', 900, 700)]::text[],
          ARRAY['green', 'yellow', 'red', 'green', 'yellow', 'red'], 'lights respect direction (tolerance 15 %)');
SELECT is(gm.kpi_light('higher', 85, 100, 0.15)::text, 'yellow', 'exactly at the tolerance: yellow');
SELECT is(gm.kpi_light('higher', NULL, 100), NULL, 'no actual: no light');

-- periods
SELECT is(gm.period_end('month', '2026-12-01'), '2027-01-01'::date, 'a December ends at the new year');
SELECT is(gm.period_end('quarter', '2026-10-01'), '2027-01-01'::date, 'Q4 ends at the new year');
SELECT is(gm.period_end('month', '2028-02-01'), '2028-03-01'::date, 'a leap February');
SELECT is(gm.period_shift('month', '2026-01-01', -1), '2025-12-01'::date, 'the month before January is last December');
SELECT is(gm.period_shift('quarter', '2026-01-01', -2), '2025-07-01'::date, 'two quarters back');
SELECT throws_ok($$SELECT gm.period_end('week', '2026-01-05')$$, '22023', NULL, 'unknown period kind 22023');
SELECT throws_ok($$SELECT gm.period_end('month', '2026-01-15')$$, '22023', NULL, 'a start that is not the first day 22023');
SELECT throws_ok($$SELECT gm.period_end('quarter', '2026-02-01')$$, '22023', NULL, 'a quarter starts on a quarter''s first day');
SELECT is(gm.period_end(NULL, '2026-01-01'), NULL, 'NULL in, NULL out');

-------------------------------------------------------------------------------
-- the exact tree split (C)
SELECT is(gm._split_tree(100, ARRAY[0, 1, 1, 1], ARRAY[1, 1, 1, 1]::numeric[], 0), ARRAY[100, 34, 33, 33]::numeric[],
          'three equal children of 100: 34, 33, 33 (largest remainder, earlier first)');
SELECT is(gm._split_tree(-10.00, ARRAY[0, 1, 1], ARRAY[1, 1, 2]::numeric[], 2), ARRAY[-10.00, -3.33, -6.67]::numeric[],
          'a negative total splits symmetrically, to the fen');
SELECT is(gm._split_tree(7, ARRAY[0, 1, 1, 2, 2], ARRAY[1, 0, 0, 0, 0]::numeric[], 0), ARRAY[7, 4, 3, 2, 2]::numeric[],
          'all-zero weights among siblings share equally');
SELECT is(gm._split_tree(5, ARRAY[0], ARRAY[1]::numeric[], 0), ARRAY[5]::numeric[], 'a lone root keeps the total');
SELECT is(gm._split_tree(5, '{}'::int[], '{}'::numeric[], 0), '{}'::numeric[], 'an empty tree: empty');
WITH RECURSIVE t AS (SELECT i, CASE WHEN i = 1 THEN 0 ELSE 1 + (i * 7919) % (i - 1) END AS p, ((i * 104729) % 97)::numeric / 7 AS w
                     FROM generate_series(1, 5000) i),
     s AS (SELECT gm._split_tree(123456789.01, array_agg(p ORDER BY i), array_agg(w ORDER BY i), 2) AS v FROM t),
     n AS (SELECT t.i, t.p, s.v[t.i] AS v FROM t, s)
SELECT is((SELECT count(*)::int FROM n parent
            WHERE EXISTS (SELECT 1 FROM n c WHERE c.p = parent.i)
              AND parent.v <> (SELECT sum(c.v) FROM n c WHERE c.p = parent.i)), 0,
          'a 5,000-node tree with odd weights: every node''s children sum exactly to it');
SELECT throws_ok($$SELECT gm._split_tree(1, ARRAY[0, 3, 1], ARRAY[1, 1, 1]::numeric[], 0)$$, '22003', NULL, 'a parent after its child 22003');
SELECT throws_ok($$SELECT gm._split_tree(1, ARRAY[0, 1], ARRAY[1]::numeric[], 0)$$, '2202E', NULL, 'parents and weights of different lengths 2202E');
SELECT throws_ok($$SELECT gm._split_tree(1, ARRAY[0, 1], ARRAY[1, -1]::numeric[], 0)$$, '22003', NULL, 'a negative weight 22003');
SELECT throws_ok($$SELECT gm._split_tree(1.5, ARRAY[0, 1], ARRAY[1, 1]::numeric[], 0)$$, '22003', NULL, 'a total with more decimals than asked 22003');
SELECT throws_ok($$SELECT gm._split_tree(1, ARRAY[0, 1], ARRAY[1, 1]::numeric[], 11)$$, '22003', NULL, 'more than 10 decimals 22003');
SELECT throws_ok($$SELECT gm._split_tree('NaN', ARRAY[0, 1], ARRAY[1, 1]::numeric[], 0)$$, '22003', NULL, 'NaN total 22003');

-- the tree of a period: company, regions, grids, the quota-carrying people of leaf grids
SELECT is((SELECT string_agg(level || ':' || coalesce((SELECT code FROM gm.grid g WHERE g.grid_id = t.grid_id), '-') || ':' || coalesce(person, '-')
                             || '<' || parent, ' ' ORDER BY node) FROM gm.target_tree('2026-01-01') t),
          'company:-:-<0 region:R1:-<1 region:R2:-<1 grid:G1:-<2 grid:G2:-<2 grid:G3:-<3 person:G1:a1<4 person:G1:m1<4 person:G2:a2<5 person:G2:a3<5 person:G2:m2<5 person:G3:m3<6',
          'the target tree: region managers and installers carry no personal quota');

-------------------------------------------------------------------------------
-- targets: split, hand edit, roll-up
SELECT is(gm.split_targets('revenue', 'month', '2026-01-01', 100000.00, 'value_index'), 12::bigint, 'the split writes 12 targets');
SELECT is((SELECT string_agg(coalesce((SELECT code FROM gm.grid g WHERE g.grid_id = t.grid_id), '-') || ':' || coalesce(person, '-') || '=' || value, ' '
                             ORDER BY level, grid_id, person)
             FROM gm.target t WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level IN ('company', 'region', 'grid')),
          '-:-=100000.00 G1:-=37500.00 G2:-=12500.00 G3:-=50000.00 R1:-=50000.00 R2:-=50000.00',
          'regions share equally (no value index), grids by value index within their region');
SELECT is((SELECT string_agg(person || '=' || value, ' ' ORDER BY person) FROM gm.target
            WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND grid_id = pg_temp.g('G2')),
          'a2=4166.67 a3=4166.67 m2=4166.66', 'people share their grid''s part equally, to the fen, summing exactly');
CREATE FUNCTION pg_temp.consistent(p_kpi text, p_start date) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM gm.target p
     WHERE p.kpi = p_kpi AND p.period_start = p_start AND p.level <> 'person'
       AND EXISTS (SELECT 1 FROM gm.target c WHERE c.kpi = p.kpi AND c.period_start = p.period_start AND gm._is_child(p, c))
       AND p.value <> (SELECT sum(c.value) FROM gm.target c WHERE c.kpi = p.kpi AND c.period_start = p.period_start AND gm._is_child(p, c)) $$;
SELECT is(pg_temp.consistent('revenue', '2026-01-01'), 0::bigint, 'every target''s parts sum exactly to it');
SELECT is(gm.split_targets('new_customers', 'month', '2026-01-01', 10, 'capacity'), 12::bigint, 'households split in whole units');
SELECT is((SELECT string_agg(value::text, ',' ORDER BY grid_id, person) FROM gm.target
            WHERE kpi = 'new_customers' AND period_start = '2026-01-01' AND level = 'person'), '2,1,1,1,0,5',
          'households: whole numbers, summing to their grid''s part (G1 3 → 2, 1; G2 2 → 1, 1, 0; G3 5)');
SELECT is(pg_temp.consistent('new_customers', '2026-01-01'), 0::bigint, 'the household split is consistent at every level');
SELECT throws_ok($$SELECT gm.split_targets('nps', 'month', '2026-01-01', 70)$$, '55000', NULL, 'a rate does not split: 55000');
SELECT throws_ok($$SELECT gm.split_targets('nosuch', 'month', '2026-01-01', 70)$$, '42704', NULL, 'unknown indicator 42704');
SELECT throws_ok($$SELECT gm.split_targets('revenue', 'month', '2026-01-01', NULL)$$, '22004', NULL, 'NULL total 22004');
SELECT throws_ok($$SELECT gm.split_targets('revenue', 'month', '2026-01-01', 1.001)$$, '22003', NULL, 'a total finer than the fen 22003');
SELECT throws_ok($$SELECT gm.split_targets('revenue', 'month', '2026-01-01', 1, 'x; drop table gm.kpi')$$, '42602', NULL, 'a weight that is no identifier 42602');
SELECT throws_ok($$SELECT gm.split_targets('revenue', 'month', '2026-01-02', 1)$$, '22023', NULL, 'a period start that is no first day 22023');

-- a hand edit re-balances its siblings (and the parts below), keeping the parent
SELECT is((gm.set_target('revenue', 'month', '2026-01-01', pg_temp.g('G1'), NULL, 30000.00)).hand_edited, true, 'a hand edit below the top is marked');
SELECT is((SELECT value FROM gm.target WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'grid' AND grid_id = pg_temp.g('G2')),
          20000.00, 'the sibling takes the rest of the region''s 50,000');
SELECT is((SELECT sum(value) FROM gm.target WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND grid_id = pg_temp.g('G1')),
          30000.00, 'the edited grid''s people are split again to its new value');
SELECT is(pg_temp.consistent('revenue', '2026-01-01'), 0::bigint, 'still consistent after the rebalance');
SELECT is((gm.set_target('revenue', 'month', '2026-01-01', pg_temp.g('G2'), 'a2', 10000.00)).value, 10000.00, 'a person''s target set by hand');
SELECT is((SELECT string_agg(person || '=' || value, ' ' ORDER BY person) FROM gm.target
            WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND grid_id = pg_temp.g('G2')),
          'a2=10000.00 a3=5000.00 m2=5000.00', 'the other two share what is left of the grid''s 20,000');
SELECT is((gm.set_target('revenue', 'month', '2026-01-01', pg_temp.g('G2'), 'a3', 15000.00)).value, 15000.00, 'a second hand edit in the grid');
SELECT is((SELECT value::text || '/' || coalesce(flag, '-') FROM gm.target WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND person = 'm2'),
          '0.00/parts sum to 25000.00, the parent target is 20000.00', 'hand edits beyond the parent: the rest is 0 and the parts are flagged');
SELECT is(gm.rollup_targets('revenue', 'month', '2026-01-01') > 0, true, 'roll-up bottom-up');
SELECT is((SELECT string_agg(coalesce((SELECT code FROM gm.grid g WHERE g.grid_id = t.grid_id), '-') || '=' || value, ' ' ORDER BY level, grid_id)
             FROM gm.target t WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level IN ('company', 'region', 'grid')),
          '-=105000.00 G1=30000.00 G2=25000.00 G3=50000.00 R1=55000.00 R2=50000.00', 'every level is now the sum of its parts');
SELECT is((SELECT count(*)::int FROM gm.target WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND flag IS NOT NULL), 0,
          'the roll-up clears the flags');
-- flag mode (sales is configured on_edit = flag above)
SELECT gm.split_targets('sales', 'month', '2026-01-01', 90);
SELECT is((gm.set_target('sales', 'month', '2026-01-01', pg_temp.g('G3'), NULL, 50)).flag,
          'parts sum to 50, the parent target is 45', 'on_edit = flag: the sibling is not touched, the parts are flagged');
SELECT is((SELECT value FROM gm.target WHERE kpi = 'sales' AND period_start = '2026-01-01' AND level = 'grid' AND grid_id = pg_temp.g('G3')),
          50::numeric, 'the edited value stands');
SELECT throws_ok($$SELECT gm.set_target('revenue', 'month', '2026-01-01', NULL, NULL, -1)$$, '22003', NULL, 'a negative target 22003');
SELECT throws_ok($$SELECT gm.set_target('new_customers', 'month', '2026-01-01', NULL, NULL, 1.5)$$, '22003', NULL, 'half a household 22003');
SELECT throws_ok($$SELECT gm.set_target('revenue', 'month', '2026-01-01', -5, NULL, 1)$$, '42704', NULL, 'an unknown grid 42704');
SELECT throws_ok($$SELECT gm.set_target('revenue', 'month', '2026-01-01', NULL, 'a1', 1)$$, '22004', NULL, 'a person without grid 22004');
SELECT is((gm.set_target('nps', 'quarter', '2026-01-01', pg_temp.g('G1'), NULL, 72)).value, 72::numeric, 'a rate''s target per subject');
SELECT is(gm.target_value('nps', 'quarter', '2026-01-01', pg_temp.g('G1')), 72::numeric, 'target_value: the row');
SELECT is(gm.target_value('nps', 'quarter', '2026-01-01', pg_temp.g('G2')), 70::numeric, 'target_value: else the default nps_target');
SELECT is(gm.target_value('revenue', 'month', '2027-01-01', pg_temp.g('G2')), NULL, 'target_value: an additive indicator has no default');

-------------------------------------------------------------------------------
-- actuals from gm.sale / gm.survey / gm.spend, period boundaries included
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer) VALUES
    ('c1', pg_temp.g('G1'), 'a1', 'broadband', 'visit', 100.00, '2025-12-31', true),     -- last year
    ('c1', pg_temp.g('G1'), 'a1', 'broadband', 'visit', 1000.00, '2026-01-01', true),    -- first day
    ('c2', pg_temp.g('G1'), 'm1', 'mobile',    'store', 200.00, '2026-01-15', false),
    ('c3', pg_temp.g('G2'), 'a2', 'broadband', 'visit', 300.00, '2026-01-31', true),     -- last day
    ('c4', pg_temp.g('G3'), NULL, 'tv',        'online', 50.00, '2026-01-20', false),    -- nobody credited
    ('c5', pg_temp.g('G2'), 'a3', 'broadband', 'visit', 999.00, '2026-02-01', true),     -- next month
    ('c6', pg_temp.g('G1'), 'a1', 'broadband', 'visit', 800.00, '2025-01-10', false);    -- a year before
INSERT INTO gm.survey(customer_key, grid_id, answered_on, nps_score, csat_score) VALUES
    ('c1', pg_temp.g('G1'), '2026-01-05', 10, 5), ('c2', pg_temp.g('G1'), '2026-01-06', 9, 4),
    ('c3', pg_temp.g('G1'), '2026-01-07', 3, 2), ('c4', pg_temp.g('G3'), '2026-01-08', 8, NULL);
INSERT INTO gm.spend(grid_id, channel, day, amount, planned) VALUES
    (pg_temp.g('G1'), 'visit', '2026-01-02', 600.00, 500.00), (pg_temp.g('G2'), 'visit', '2026-01-03', 300.00, 200.00);
SELECT ok(gm.compute_actuals('month', '2026-01-01') > 0, 'compute_actuals for January');
SELECT ok(gm.compute_actuals('month', '2025-01-01') > 0, 'and for the January before');
CREATE FUNCTION pg_temp.act(p_kpi text, p_level text, p_grid text, p_person name DEFAULT NULL, p_product text DEFAULT '', p_start date DEFAULT '2026-01-01')
    RETURNS numeric LANGUAGE sql AS $$
    SELECT value FROM gm.actual WHERE kpi = p_kpi AND period_kind = 'month' AND period_start = p_start AND level = p_level
       AND grid_id IS NOT DISTINCT FROM pg_temp.g(p_grid) AND person IS NOT DISTINCT FROM p_person AND product = p_product $$;
SELECT is(pg_temp.act('revenue', 'company', NULL), 1550.00, 'company revenue: the month''s first and last day in, the days around out');
SELECT is(pg_temp.act('revenue', 'region', 'R1'), 1500.00, 'a region: its grids');
SELECT is(pg_temp.act('revenue', 'grid', 'G1'), 1200.00, 'a grid');
SELECT is(pg_temp.act('revenue', 'person', 'G1', 'a1'), 1000.00, 'a person in their grid');
SELECT is(pg_temp.act('revenue', 'grid', 'G1', NULL, 'broadband'), 1000.00, 'per product');
SELECT is(pg_temp.act('revenue', 'grid', 'G3'), 50.00, 'a sale credited to nobody counts for its grid');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND grid_id = pg_temp.g('G3')), 0,
          '... and for no person');
SELECT is(pg_temp.act('new_customers', 'company', NULL), 2::numeric, 'new customers');
SELECT is(pg_temp.act('nps', 'grid', 'G1'), round(100 * (2 - 1) / 3.0, 20)::numeric(40, 20)::numeric, 'NPS of a grid: 100 × (2 promoters − 1 detractor) / 3');
SELECT is(round(pg_temp.act('nps', 'grid', 'G1'), 4), round((SELECT gm.nps(nps_score) FROM gm.survey WHERE grid_id = pg_temp.g('G1')), 4),
          'the NPS actual agrees with the gm.nps aggregate');
SELECT is(pg_temp.act('csat', 'company', NULL), round(100 * 2 / 3.0, 20)::numeric, 'CSAT: top-2 box over the answers given');
SELECT is(pg_temp.act('cac', 'grid', 'G1'), 600.00, 'CAC of a grid: spend / new customers');
SELECT is(pg_temp.act('cac', 'company', NULL), 450.00, 'CAC of the company: 900 / 2');
SELECT is(pg_temp.act('roi', 'grid', 'G2'), 0::numeric, 'ROI: (300 − 300) / 300');
SELECT is(pg_temp.act('spend', 'region', 'R1'), 900.00, 'spend of a region');
SELECT is(gm.compute_actuals('month', '2026-03-01'), 0::bigint, 'an empty month: nothing to write');
SELECT throws_ok($$SELECT gm.compute_actuals('month', NULL)$$, '22004', NULL, 'NULL period 22004');
SELECT throws_ok($$SELECT gm.compute_actuals('month', '2026-01-01', ARRAY['nosuch'])$$, '42704', NULL, 'an unknown indicator named 42704');
-- the roll-up and merge (gm._actuals_merge, src/actuals.c): a grid below a grid counts for every
-- ancestor; a figure that did not change is not rewritten, a changed one is, a vanished one goes
INSERT INTO gm.grid(code, name, kind, parent_id, capacity, attrs) VALUES ('G1a', '网格一甲', 'physical', pg_temp.g('G1'), 50, '{}');
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer) VALUES
    ('d1', pg_temp.g('G1a'), 'a1', 'tv', 'visit', 10.50, '2026-08-03', false),
    ('d2', pg_temp.g('G1a'), NULL, '', 'store', 0.25, '2026-08-31', true),
    ('d3', pg_temp.g('G2'), 'a2', 'tv', 'visit', 100.00, '2026-08-10', false);
SELECT ok(gm.compute_actuals('month', '2026-08-01') > 0, 'August: sales in a grid two levels below its region');
SELECT is(pg_temp.act('revenue', 'grid', 'G1a', NULL, '', '2026-08-01'), 10.75, 'the sub-grid');
SELECT is(pg_temp.act('revenue', 'grid', 'G1', NULL, '', '2026-08-01'), 10.75, 'its parent grid (a grid, not a region)');
SELECT is(pg_temp.act('revenue', 'region', 'R1', NULL, '', '2026-08-01'), 110.75, 'the region above both');
SELECT is(pg_temp.act('revenue', 'person', 'G1a', 'a1', 'tv', '2026-08-01'), 10.50, 'the seller in the sub-grid, per product');
SELECT is(pg_temp.act('revenue', 'company', NULL, NULL, 'tv', '2026-08-01'), 110.50, 'the company per product (a sale without product only in '''')');
SELECT is(pg_temp.act('cac', 'grid', 'G1', NULL, '', '2026-08-01'), 0::numeric, 'CAC with nothing spent: 0 / 1 new customer');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-08-01' AND kpi = 'revenue' AND level = 'grid' AND grid_id = pg_temp.g('G1a') AND person IS NULL),
          2, 'the sub-grid: all products and tv');
CREATE TEMP TABLE aug AS SELECT ctid AS tid, kpi, level, grid_id, person, product, recorded_at FROM gm.actual WHERE period_start = '2026-08-01';
UPDATE gm.actual SET value = 7, source = 'external' WHERE period_start = '2026-08-01' AND kpi = 'sales' AND level = 'company' AND product = '';
INSERT INTO gm.actual(kpi, period_kind, period_start, level, grid_id, person, product, num, value, source)
VALUES ('revenue', 'month', '2026-08-01', 'person', pg_temp.g('G2'), 'ghost', '', 1, 1, 'computed');
UPDATE gm.sale SET amount = 100.01 WHERE customer_key = 'd3';
SELECT ok(gm.compute_actuals('month', '2026-08-01') > 0, 'August recomputed after a change');
SELECT is(pg_temp.act('sales', 'company', NULL, NULL, '', '2026-08-01'), 3::numeric, 'a computed figure overwritten from outside is computed again');
SELECT is((SELECT source FROM gm.actual WHERE period_start = '2026-08-01' AND kpi = 'sales' AND level = 'company' AND product = ''), 'computed', '... and marked computed');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-08-01' AND person = 'ghost'), 0, 'a figure no longer computed is deleted');
SELECT is(pg_temp.act('revenue', 'region', 'R1', NULL, '', '2026-08-01'), 110.76, 'the changed sale reaches the region');
SELECT is((SELECT string_agg(DISTINCT a.kpi || ':' || a.level, ',' ORDER BY a.kpi || ':' || a.level) FROM gm.actual a JOIN aug o USING (kpi, level, product)
            WHERE a.period_start = '2026-08-01' AND a.grid_id IS NOT DISTINCT FROM o.grid_id AND a.person IS NOT DISTINCT FROM o.person
              AND (a.ctid <> o.tid OR a.recorded_at <> o.recorded_at)),
          'revenue:company,revenue:grid,revenue:person,revenue:region,roi:company,roi:grid,roi:region,sales:company',
          'only the figures that changed were rewritten');
DELETE FROM gm.sale WHERE customer_key IN ('d1', 'd2', 'd3');
SELECT is(gm.compute_actuals('month', '2026-08-01'), 0::bigint, 'August without sales: no figures');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-08-01'), 0, '... and no rows left');
DELETE FROM gm.grid WHERE code = 'G1a';
-- more changed and vanished figures than the merge's first arrays hold (1,024 updates, 256 deletes)
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
SELECT 's' || i, pg_temp.g('G2'), 'seller' || i, (ARRAY['tv', 'broadband'])[1 + i % 2], 'visit', i, '2026-09-15', i % 3 = 0
  FROM generate_series(1, 700) i;
SELECT ok(gm.compute_actuals('month', '2026-09-01') > 2000, 'September: 700 sellers, over 2,000 figures');
UPDATE gm.actual SET value = -1, source = 'external' WHERE period_start = '2026-09-01';
SELECT ok(gm.compute_actuals('month', '2026-09-01') > 2000, 'every figure overwritten from outside: recomputed');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-09-01' AND (source <> 'computed' OR value < 0)), 0,
          '... all of them computed again (more than 1,024 updates)');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-09-01' AND kpi = 'revenue' AND level = 'person' AND product = '' AND value = substr(person, 7)::numeric), 700,
          '... each seller''s revenue right');
DELETE FROM gm.sale WHERE customer_key LIKE 's%' AND sold_on = '2026-09-15';
SELECT is(gm.compute_actuals('month', '2026-09-01'), 0::bigint, 'the sales deleted: no figures');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-09-01'), 0, '... and every row deleted (more than 256 deletes)');
SELECT throws_ok($$SELECT gm._actuals_merge(NULL, 'month', '2026-08-01', '2026-09-01', '{revenue}')$$, '22004', NULL, '_actuals_merge: a NULL argument 22004');
SELECT throws_ok($$SELECT gm._actuals_merge('SELECT ''revenue''::text, true, 1::bigint, NULL::name, ''''::text, 1::numeric', 'month', '2026-08-01', '2026-09-01', '{revenue}')$$,
                 '42804', NULL, '_actuals_merge: raw rows of 6 columns 42804');
SELECT throws_ok($$SELECT gm._actuals_merge('SELECT ''revenue''::text, true, 1::int, NULL::name, ''''::text, 1::numeric, NULL::numeric WHERE $1 < $2', 'month', '2026-08-01', '2026-09-01', '{revenue}')$$,
                 '42804', NULL, '_actuals_merge: a grid_id of type integer 42804');
SELECT is((SELECT count(*)::int FROM gm.actual WHERE period_start = '2026-08-01'), 0, 'the failed merges wrote nothing');
-- externally fed indicators
SELECT lives_ok($$SELECT gm.record_actual('collaboration', 'month', '2026-01-01', pg_temp.g('G1'), 'a1', 80)$$, 'an external actual recorded');
SELECT lives_ok($$SELECT gm.record_actual('collaboration', 'month', '2026-01-01', pg_temp.g('G1'), 'a1', 90)$$, 'recorded again: replaced');
SELECT is((SELECT value || '/' || source FROM gm.actual WHERE kpi = 'collaboration' AND person = 'a1'), '90/external', 'kept once, marked external');
SELECT throws_ok($$SELECT gm.record_actual('revenue', 'month', '2026-01-01', NULL, NULL, 1)$$, '55000', NULL, 'a computed indicator is not recorded: 55000');
SELECT throws_ok($$SELECT gm.record_actual('collaboration', 'month', '2026-01-01', NULL, 'a1', 1)$$, '22004', NULL, 'a person without grid 22004');
-- closed periods stay what they were after a customer moves grid
SELECT ok(gm.close_period('month', '2026-01-01') > 0, 'January closed');
UPDATE gm.sale SET grid_id = pg_temp.g('G3') WHERE customer_key = 'c2';   -- history rewritten after the move
SELECT throws_ok($$SELECT gm.compute_actuals('month', '2026-01-01')$$, '55000', NULL, 'a closed period is not recomputed: 55000');
SELECT throws_ok($$SELECT gm.close_period('month', '2026-01-01')$$, '55000', NULL, 'nor closed twice');
SELECT throws_ok($$SELECT gm.record_actual('collaboration', 'month', '2026-01-01', pg_temp.g('G1'), 'a1', 1)$$, '55000', NULL, 'nor fed');
SELECT is(pg_temp.act('revenue', 'grid', 'G1'), 1200.00, 'the closed January still counts the sale for the old grid');
SELECT is(gm.reopen_period('month', '2026-01-01'), true, 'reopened');
SELECT ok(gm.compute_actuals('month', '2026-01-01') > 0, 'recomputed');
SELECT is(pg_temp.act('revenue', 'grid', 'G1'), 1000.00, 'an open period follows the rows');
UPDATE gm.sale SET grid_id = pg_temp.g('G1') WHERE customer_key = 'c2';
SELECT ok(gm.compute_actuals('month', '2026-01-01') > 0, 'restored');
SELECT is(gm.reopen_period('month', '2026-01-01'), false, 'reopening an open period: false');

-------------------------------------------------------------------------------
-- attainment, light, rank, month on month, year on year, in a row
SELECT ok(gm.compute_actuals('month', '2025-12-01') > 0, 'December 2025 computed');
SELECT is((SELECT round(attainment, 4) || '/' || light || '/' || rank || '/' || ranked_of FROM gm.kpi_result
            WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'grid' AND grid_code = 'G1' AND product = ''),
          '0.0400/red/1/3', 'G1: 1,200 of 30,000, red, yet first of three grids');
SELECT is((SELECT rank FROM gm.kpi_result WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'grid' AND grid_code = 'G3' AND product = ''),
          3::bigint, 'the grid with the lowest attainment ranks last');
SELECT is((SELECT round(mom, 4) FROM gm.kpi_result WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND person = 'a1' AND product = ''),
          9.0000, 'month on month across the year end (100 → 1,000)');
SELECT is((SELECT round(yoy, 4) FROM gm.kpi_result WHERE kpi = 'revenue' AND period_start = '2026-01-01' AND level = 'person' AND person = 'a1' AND product = ''),
          0.2500, 'year on year (800 → 1,000)');
SELECT is((SELECT target || '/' || light FROM gm.kpi_result WHERE kpi = 'cac' AND period_start = '2026-01-01' AND level = 'company'),
          '700/green', 'CAC 450 against the default 700: green (lower is better)');
SELECT is((SELECT light::text FROM gm.kpi_result WHERE kpi = 'nps' AND period_start = '2026-01-01' AND level = 'grid' AND grid_code = 'G1'),
          'red', 'NPS 33 against 70: red');
SELECT gm.split_targets('revenue', 'month', '2025-12-01', 90000.00);
SELECT is(gm.periods_in_a_row('revenue', 'month', '2026-01-01', pg_temp.g('G1'), 'a1', 'missed'), 2, 'a1 missed December and January');
SELECT is(gm.periods_in_a_row('revenue', 'month', '2026-01-01', pg_temp.g('G1'), 'a1', 'met'), 0, '... so met none in a row');
SELECT is(gm.periods_in_a_row('revenue', 'month', '2027-01-01', pg_temp.g('G1'), 'a1', 'missed'), 0, 'a period without actual: 0');
SELECT throws_ok($$SELECT gm.periods_in_a_row('revenue', 'month', '2026-01-01', NULL, NULL, 'maybe')$$, '22023', NULL, 'unknown condition 22023');

-- recalibration proposals: never applied silently
SELECT gm.split_targets('revenue', 'month', '2026-02-01', 100000.00, 'value_index');
SELECT is((SELECT count(*)::int FROM gm.propose_recalibration('month', '2026-01-01')) > 0, true, 'deviations beyond ±15 % propose new targets');
SELECT is((SELECT count(*)::int FROM gm.propose_recalibration('month', '2026-01-01')), 0, 'proposing again adds nothing while they are open');
SELECT is((SELECT rule LIKE 'deviation_tolerance: actual 1200.00 against target 30000.00 is -96.0 % off%' FROM gm.target_proposal p
             JOIN gm.target t USING (target_id) WHERE t.level = 'grid' AND t.grid_id = pg_temp.g('G1') AND t.kpi = 'revenue'), true,
          'the proposal says which rule produced it, with its numbers');
SELECT is((SELECT t.value FROM gm.target t WHERE t.kpi = 'revenue' AND t.period_start = '2026-02-01' AND t.level = 'grid' AND t.grid_id = pg_temp.g('G1')),
          37500.00, 'the next period''s target is unchanged until applied');
SELECT is((gm.apply_proposal((SELECT p.proposal_id FROM gm.target_proposal p JOIN gm.target t USING (target_id)
                              WHERE t.level = 'grid' AND t.grid_id = pg_temp.g('G1') AND t.kpi = 'revenue'))).value,
          1500.00, 'applied: February''s 37,500 scaled by 1,200 / 30,000');
SELECT is(pg_temp.consistent('revenue', '2026-02-01'), 0::bigint, 'the applied proposal rebalanced its siblings');
SELECT throws_ok(format('SELECT gm.apply_proposal(%s)', (SELECT p.proposal_id FROM gm.target_proposal p JOIN gm.target t USING (target_id)
                              WHERE t.level = 'grid' AND t.grid_id = pg_temp.g('G1') AND t.kpi = 'revenue')), '55000', NULL, 'applied twice 55000');
SELECT lives_ok(format('SELECT gm.reject_proposal(%s)', (SELECT min(proposal_id) FROM gm.target_proposal WHERE decision IS NULL)), 'a proposal rejected');
SELECT throws_ok('SELECT gm.reject_proposal(-1)', 'P0002', NULL, 'an unknown proposal P0002');

-------------------------------------------------------------------------------
-- scorecards
SELECT gm.record_actual('collaboration', 'month', '2026-01-01', pg_temp.g('G1'), 'm1', 100);
SELECT is((SELECT string_agg(role_kind || ':' || sum_w, ' ' ORDER BY role_kind)
             FROM (SELECT role_kind, sum(weight)::text AS sum_w FROM gm.scorecard_item GROUP BY role_kind) x),
          'account_manager:1.00 channel:1.00 community_manager:1.00 grid_manager:1.00 region_manager:1.00', 'every shipped role''s weights sum to 1');
SELECT is((SELECT count(DISTINCT role_kind)::int FROM gm.scorecard_item WHERE kpi = 'collaboration' AND weight = 0.2), 5,
          'collaboration weighs 20 % in every shipped scorecard (seed 000)');
SELECT is((SELECT string_agg(person || ':' || role_kind, ' ' ORDER BY person) FROM gm.scorecard('month', '2026-01-01')),
          'a1:account_manager a2:account_manager a3:account_manager m1:grid_manager m2:grid_manager m3:grid_manager rm1:region_manager rm2:region_manager',
          'one scorecard per person with the role of their duty; installers have none');
SELECT is((SELECT score FROM gm.scorecard('month', '2026-01-01') WHERE person = 'a1'),
          (SELECT round(sum(contribution) / sum(weight), 2) FROM gm.scorecard_lines('month', '2026-01-01') WHERE person = 'a1'),
          'the score is its lines'' contributions over their weights');
SELECT is((SELECT collaboration_score FROM gm.scorecard('month', '2026-01-01') WHERE person = 'm1'), 0.00,
          'a collaboration rating without target scores nothing');
SELECT is((SELECT jsonb_array_length(lines) FROM gm.scorecard('month', '2026-01-01') WHERE person = 'm1'), 6, 'the grid manager''s six lines explain the score');
SELECT is((SELECT (l ->> 'contribution')::numeric FROM gm.scorecard('month', '2026-01-01') s, jsonb_array_elements(s.lines) l
            WHERE s.person = 'a1' AND l ->> 'kpi' = 'revenue'),
          (SELECT round(0.30 * 100 * least(1000.00 / t.value, 1.5), 2) FROM gm.target t WHERE t.kpi = 'revenue' AND t.period_start = '2026-01-01' AND t.person = 'a1'),
          'a line''s contribution: weight × 100 × attainment');
SELECT is((SELECT item_score FROM gm.scorecard_lines('month', '2026-01-01') WHERE person = 'a1' AND kpi = 'leads_per_person_day'), NULL,
          'an indicator without actual scores nothing ...');
SELECT is((SELECT contribution FROM gm.scorecard_lines('month', '2026-01-01') WHERE person = 'a1' AND kpi = 'leads_per_person_day'), 0::numeric,
          '... and contributes 0');
SELECT is((SELECT count(*)::int FROM gm.scorecard('month', '2030-01-01') WHERE score > 0), 0, 'a period without actuals scores 0 everywhere');

-------------------------------------------------------------------------------
-- commission: base + conversion, broadband capped at 17 % of the sale, exact to the fen
SELECT is((SELECT string_agg(format('%s %s %s %s %s', (sale_id IS NOT NULL)::text, product, amount, rule, commission), ' | ' ORDER BY line)
             FROM gm.commission_lines('month', '2026-01-01', 'a1')),
          'true broadband 1000.00 broadband/* 120.00', 'a1: 20 base + 10 % of 1,000 = 120 (under the 17 % cap of 170)');
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES
    ('c7', pg_temp.g('G1'), 'a1', 'broadband', 100.00, '2026-01-10'),      -- 20 + 10 = 30 > 17 % of 100
    ('c8', pg_temp.g('G1'), 'a1', 'broadband', 33.33, '2026-01-11'),       -- cap 5.6661 → 5.66
    ('c9', pg_temp.g('G1'), 'a1', 'mobile', 0.05, '2026-01-12'),           -- conversion 0.0025 → 0.00
    ('c10', pg_temp.g('G1'), 'a1', 'gadget', 10.00, '2026-01-13');         -- no rule
SELECT is((SELECT string_agg(format('%s=%s', amount, commission), ' ' ORDER BY line) FROM gm.commission_lines('month', '2026-01-01', 'a1')),
          '1000.00=120.00 100.00=17.00 33.33=5.66 0.05=10.00 10.00=0', 'capped at 17 % rounded down to the fen; no rule: 0');
SELECT is((SELECT max(commission / amount) <= 0.17 FROM gm.commission_lines('month', '2026-01-01') WHERE product = 'broadband'), true,
          'no broadband line exceeds 17 % of its sale');
SELECT is((SELECT commission FROM gm.commission_statement('month', '2026-01-01') WHERE person = 'a1'),
          (SELECT sum(commission) FROM gm.commission_lines('month', '2026-01-01', 'a1')), 'the statement is exactly the sum of its lines');
SELECT is((SELECT commission::text FROM gm.commission_statement('month', '2026-01-01') WHERE person = 'a1'), '152.66', 'to the fen');
SELECT is((SELECT count(*)::int FROM gm.commission_lines('month', '2026-01-01') WHERE sale_id IS NULL), 0, 'every line traces to its sale');
INSERT INTO gm.commission_rule(product, role_kind, base_per_sale, rate, cap_rate) VALUES ('broadband', 'account_manager', 0, 0.05, 0.17);
SELECT is((SELECT commission FROM gm.commission_lines('month', '2026-01-01', 'a1') WHERE amount = 1000.00), 50.00, 'a role''s own rule wins over *');
SELECT is((SELECT origin::text FROM gm.commission_rule WHERE product = 'broadband' AND role_kind = 'account_manager'), 'user', 'a rule of the user''s own');
-- 成长之星: 120 % of the sales target
SELECT gm.set_target('revenue', 'month', '2026-03-01', pg_temp.g('G1'), 'a1', 1000.00);
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('c11', pg_temp.g('G1'), 'a1', 'tv', 1200.00, '2026-03-05');
SELECT gm.compute_actuals('month', '2026-03-01');
SELECT is((SELECT attainment || '/' || growth_star FROM gm.commission_statement('month', '2026-03-01') WHERE person = 'a1'), '1.2000/true',
          '120 % of the target: eligible for 成长之星');
UPDATE gm.sale SET amount = 1199.99 WHERE customer_key = 'c11';
SELECT gm.compute_actuals('month', '2026-03-01');
SELECT is((SELECT growth_star FROM gm.commission_statement('month', '2026-03-01') WHERE person = 'a1'), false, 'a fen short: not eligible');

-------------------------------------------------------------------------------
-- alerts
SELECT ok((SELECT count(*) FROM gm.evaluate_alerts('month', '2026-01-01', '2026-01-31')) > 0, 'the first evaluation raises alerts');
SELECT is((SELECT count(*)::int FROM gm.evaluate_alerts('month', '2026-01-01', '2026-01-31')), 0, 'evaluating again raises nothing new');
SELECT is((SELECT count(*)::int FROM gm.alert GROUP BY condition_key HAVING count(*) > 1 LIMIT 1), NULL, 'never two alerts for one condition');
SELECT is((SELECT level || '/' || value || '/' || threshold FROM gm.alert WHERE rule = 'spend_day' AND grid_id = pg_temp.g('G2')),
          '2/300.00/260.00', 'a day''s spend 50 % over plan: level 2 (threshold plan + 30 %)');
SELECT is((SELECT count(*)::int FROM gm.alert WHERE rule = 'spend_day' AND grid_id = pg_temp.g('G1')), 0, '20 % over plan: no alert');
SELECT is((SELECT level FROM gm.alert WHERE rule = 'deviation' AND kpi = 'revenue' AND subject_level = 'grid' AND grid_id = pg_temp.g('G1')),
          2::smallint, 'revenue far behind target: a level-2 deviation alert');
SELECT is((SELECT count(*)::int FROM gm.alert WHERE rule = 'transfer_review' AND person = 'a1' AND kpi = 'revenue'), 1,
          'a1 missed two months in a row: a level-3 transfer review');
SELECT ok((SELECT detail FROM gm.alert WHERE rule = 'yoy' AND person = 'a1' AND kpi = 'revenue' AND item = '') LIKE 'revenue 1000.00 against 800.00 a year before: 25.0 %',
          'year on year +25 %: an alert with its numbers');
-- budget: the spend target is the budget
SELECT gm.set_target('spend', 'month', '2026-01-01', pg_temp.g('G1'), NULL, 700.00);
SELECT is((SELECT rule || '/' || level FROM gm.evaluate_alerts('month', '2026-01-01', '2026-01-05') WHERE rule LIKE 'budget%' AND grid_id = pg_temp.g('G1')),
          'budget_pace/2', '600 of 700 spent five days into the month: spending ahead of pace');
SELECT is((SELECT count(*)::int FROM gm.alert WHERE rule = 'spend_day' AND resolved_at IS NULL), 1,
          'evaluated as of the 5th: the day alerts up to then stay open');
-- acknowledge and resolve
SELECT is((gm.acknowledge_alert((SELECT alert_id FROM gm.alert WHERE rule = 'spend_day'), 'called the grid')).acknowledged_by,
          current_user::name, 'acknowledged by the acting person');
SELECT ok((SELECT detail LIKE '% — called the grid' FROM gm.alert WHERE rule = 'spend_day'), 'with the note');
SELECT is((gm.resolve_alert((SELECT alert_id FROM gm.alert WHERE rule = 'spend_day'))).resolved_by, current_user::name, 'resolved by hand');
SELECT throws_ok(format('SELECT gm.resolve_alert(%s)', (SELECT alert_id FROM gm.alert WHERE rule = 'spend_day')), '55000', NULL, 'resolved twice 55000');
SELECT throws_ok('SELECT gm.acknowledge_alert(-1)', 'P0002', NULL, 'an unknown alert P0002');
SELECT is((SELECT count(*)::int FROM gm.evaluate_alerts('month', '2026-01-01', '2026-01-31') WHERE rule = 'spend_day'), 1,
          'a condition found again after it was resolved raises a new alert');
-- the condition goes away: resolved by the evaluation
UPDATE gm.spend SET amount = 200.00 WHERE grid_id = pg_temp.g('G2');
SELECT is((SELECT count(*)::int FROM gm.evaluate_alerts('month', '2026-01-01', '2026-01-31') WHERE rule = 'spend_day'), 0, 'nothing new');
SELECT is((SELECT resolved_by::text FROM gm.alert WHERE rule = 'spend_day' ORDER BY alert_id DESC LIMIT 1), 'gm.evaluate_alerts',
          'the alert whose condition went away is resolved by the evaluation');
-- ROI of a channel below the threshold three days in a row
INSERT INTO gm.spend(grid_id, channel, day, amount) SELECT NULL, 'ads', d, 100.00 FROM generate_series('2026-04-08'::date, '2026-04-10', '1 day') d;
INSERT INTO gm.sale(customer_key, grid_id, product, channel, amount, sold_on) VALUES ('c20', pg_temp.g('G3'), 'tv', 'ads', 50.00, '2026-04-09');
SELECT is((SELECT item || '/' || level FROM gm.evaluate_alerts('month', '2026-04-01', '2026-04-10') WHERE rule = 'roi_low'), 'ads/2',
          'channel ads lost money three days in a row: ROI alert');
SELECT is((SELECT count(*)::int FROM gm.evaluate_alerts('month', '2026-04-01', '2026-04-09') WHERE rule = 'roi_low'), 0, 'two days are not three');
-- dynamic threshold: mean ± 2 sigma of the last six months
DO $$ BEGIN
    FOR m IN 5 .. 10 LOOP
        PERFORM gm.record_actual('utilisation', 'month', make_date(2025, m, 1), pg_temp.g('G3'), NULL, 0.80 + (m % 2) * 0.02);
    END LOOP;
    PERFORM gm.record_actual('utilisation', 'month', '2025-11-01', pg_temp.g('G3'), NULL, 0.50);
END $$;
SELECT is((SELECT rule || '/' || round(threshold, 4) FROM gm.evaluate_alerts('month', '2025-11-01', '2025-11-30') WHERE kpi = 'utilisation' AND rule = 'dynamic'),
          'dynamic/0.7881', 'utilisation 0.50 below mean 0.81 − 2 sigma (0.011): a dynamic alert');
SELECT throws_ok($$SELECT gm.evaluate_alerts('month', '2026-01-01', NULL)$$, '22004', NULL, 'NULL day 22004');
SELECT throws_ok($$SELECT gm.evaluate_alerts('week', '2026-01-05')$$, '22023', NULL, 'unknown period kind 22023');

-------------------------------------------------------------------------------
-- campaigns (派单)
CREATE TABLE crm_customer(customer_id int PRIMARY KEY, grid_id bigint, segment text);
INSERT INTO crm_customer SELECT i, CASE WHEN i <= 3 THEN pg_temp.g('G1') ELSE pg_temp.g('G2') END, CASE WHEN i % 2 = 0 THEN 'group' ELSE 'individual' END
FROM generate_series(1, 6) i;
SELECT is(gm.create_campaign('宽带提速季', '2026-05-31 18:00+08', 'visit', 'standard', '2026-05-01'), 1::bigint, 'a campaign created');
SELECT is(gm.campaign_pick(1, 'crm_customer', $$segment = 'individual'$$), 3::bigint, 'three individual customers picked');
SELECT is(gm.campaign_pick(1, 'crm_customer', 'true'), 3::bigint, 'picking everyone adds the other three, each once');
SELECT is(gm.campaign_dispatch(1), 6::bigint, 'six work orders dispatched');
SELECT is(gm.campaign_dispatch(1), 0::bigint, 'dispatching again opens nothing');
SELECT is((SELECT count(*)::int FROM gm.followup f JOIN gm.campaign_customer cc USING (followup_id)
            WHERE f.planned_due = '2026-05-31 18:00+08' AND f.assignee IS NOT NULL AND f.grid_id = cc.grid_id), 6,
          'each due at the deadline, routed to its grid''s team');
SELECT gm.respond(followup_id) FROM gm.campaign_customer WHERE customer_key IN ('1', '4');
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on, campaign_id) VALUES ('4', pg_temp.g('G2'), 'a2', 'broadband', 120.00, '2026-05-10', 1);
SELECT is((SELECT sum(customers) || '/' || sum(reached) || '/' || sum(converted) FROM gm.campaign_result WHERE campaign_id = 1), '6/2/1',
          'reach and conversion measured');
SELECT is((SELECT customers || '/' || reached || '/' || converted || '/' || reach_rate || '/' || conversion_rate FROM gm.campaign_result
            WHERE campaign_id = 1 AND grid_code = 'G2' AND converted > 0),
          '3/1/1/0.3333/0.3333', 'rates per grid and person (the assignee of G2''s three customers)');
SELECT gm.compute_actuals('month', '2026-05-01');
SELECT is(pg_temp.act('campaign_conversions', 'grid', 'G2', NULL, '', '2026-05-01'), 1::numeric, 'the campaign''s conversion feeds the actuals');
SELECT throws_ok($$SELECT gm.create_campaign('x', now() + interval '1 day', 'nosuch')$$, '42704', NULL, 'unknown event 42704');
SELECT throws_ok($$SELECT gm.create_campaign('x', '2020-01-01', 'visit', 'standard', '2026-01-01')$$, '22000', NULL, 'a deadline before the start 22000');
SELECT throws_ok($$SELECT gm.campaign_pick(1, 'crm_customer', 'true', 'nosuch')$$, '42703', NULL, 'an unknown column 42703');
SELECT throws_ok($$SELECT gm.campaign_pick(99, 'crm_customer')$$, 'P0002', NULL, 'an unknown campaign P0002');

-------------------------------------------------------------------------------
-- BI views
SELECT is((SELECT revenue_target || '/' || revenue_actual || '/' || revenue_light || '/' || parent_code FROM gm.grid_performance
            WHERE period_kind = 'month' AND period_start = '2026-01-01' AND grid_code = 'G1'),
          '30000.00/1200.00/red/R1', 'one row per grid and period, names beside ids');
SELECT ok((SELECT open_alerts > 0 FROM gm.grid_performance WHERE period_start = '2026-01-01' AND grid_code = 'G1'), 'with its open alerts');
SELECT is((SELECT count(*)::int FROM gm.person_performance WHERE period_kind = 'month' AND period_start = '2026-01-01'), 8, 'one row per person and period');
SELECT is((SELECT grid_code || '/' || role_kind || '/' || commission FROM gm.person_performance WHERE period_start = '2026-01-01' AND person = 'a2'),
          'G2/account_manager/15.00', 'the person row: grid, role, commission (5 % of 300 by the user''s rule)');

-------------------------------------------------------------------------------
-- the catalog: comments, labels, indexes
SELECT is((SELECT string_agg(c.relname, ', ') FROM pg_class c WHERE c.relnamespace = 'gm'::regnamespace AND c.relkind IN ('r', 'v')
            AND obj_description(c.oid, 'pg_class') IS NULL), NULL, 'every table and view of gm has a comment');
SELECT is((SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p WHERE p.pronamespace = 'gm'::regnamespace
            AND obj_description(p.oid, 'pg_proc') IS NULL), NULL, 'every function of gm has a comment');
SELECT is((SELECT string_agg(c.relname || '.' || a.attname, ', ') FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = 'gm'::regnamespace AND c.relname IN ('grid_performance', 'person_performance', 'kpi_result', 'campaign_result')
              AND a.attnum > 0 AND col_description(c.oid, a.attnum) IS NULL), NULL, 'every column of the BI views has a comment');
SELECT is((SELECT string_agg(p.proname, ', ' ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'gm'::regnamespace AND p.provolatile = 'i'
              AND p.proname IN ('period_end', 'period_shift', '_split_tree', 'kpi_attainment', 'kpi_light', 'target_tree', 'target_value',
                                'compute_actuals', 'scorecard', 'scorecard_lines', 'commission_lines', 'commission_statement',
                                'alert_conditions', 'evaluate_alerts', 'role_kind', 'period_people', 'actual_revenue', 'actual_nps')),
          '_split_tree, kpi_attainment, kpi_light, period_end, period_shift', 'only functions of their arguments alone are IMMUTABLE');
SELECT is((SELECT string_agg(p.proname, ', ' ORDER BY p.proname) FROM pg_proc p
            WHERE p.pronamespace = 'gm'::regnamespace AND p.provolatile = 'v' AND p.proparallel <> 'u'
              AND p.proname IN ('split_targets', 'set_target', 'rollup_targets', 'compute_actuals', 'record_actual', 'close_period',
                                'evaluate_alerts', 'acknowledge_alert', 'resolve_alert', 'campaign_dispatch', 'campaign_pick')), NULL,
          'the functions that write are PARALLEL UNSAFE');
SELECT is((SELECT count(*)::int FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE c.relname = 'alert_open_key' AND i.indisunique AND i.indpred IS NOT NULL), 1, 'one open alert per condition: a unique partial index');

-- gm._score_lines (src/scorecard.c): the lines array equals jsonb_agg(jsonb_build_object(...) ORDER BY
-- contribution DESC, kpi), NULLs and ties included, serially and through parallel workers
CREATE TEMP TABLE sl(g int, kpi text, part text, weight numeric, scope text, actual numeric, target numeric, attainment numeric, contribution numeric);
INSERT INTO sl VALUES
    (1, 'revenue', 'result', 0.30, 'person', 1200.00, 30000.00, 0.04, 1.2), (1, 'nps', 'result', 0.15, 'grid', NULL, 70, NULL, 0),
    (1, 'csat', 'process', 0.15, 'grid', 95.5, 90, 1.0611111111111111, 15.9166666666666667), (1, 'ab', 'process', 0.10, 'grid', 1, 1, 1, 1.2),
    (1, 'zz', NULL, 0.10, NULL, -0.000001, 1e-20, 12345678901234567890.123456789, NULL),
    (2, 'sales', 'result', 1, 'person', 0, 0, NULL, 0);
CREATE FUNCTION pg_temp.sl_ref(int) RETURNS jsonb LANGUAGE sql AS $$
    SELECT jsonb_agg(jsonb_build_object('kpi', kpi, 'part', part, 'weight', weight, 'scope', scope, 'actual', actual, 'target', target,
                                        'attainment', round(attainment, 4), 'contribution', round(contribution, 2)) ORDER BY contribution DESC, kpi)
      FROM sl WHERE g = $1 $$;
SELECT is((SELECT gm._score_lines(kpi, part, weight, scope, actual, target, attainment, contribution)::text FROM sl WHERE g = 1),
          pg_temp.sl_ref(1)::text, '_score_lines: the same array as jsonb_agg(jsonb_build_object(...) ORDER BY ...), NULLs first, ties by kpi');
SELECT is((SELECT gm._score_lines(kpi, part, weight, scope, actual, target, attainment, contribution)::text FROM sl WHERE g = 2),
          pg_temp.sl_ref(2)::text, '... for a single line');
SELECT is((SELECT gm._score_lines(kpi, part, weight, scope, actual, target, attainment, contribution) FROM sl WHERE g = 3), NULL, '... NULL for no lines');
SELECT is((SELECT gm._score_lines('k', 'p', 'NaN', 's', 'Infinity', '-Infinity', 'NaN', 1)::text),
          (SELECT jsonb_agg(jsonb_build_object('kpi', 'k', 'part', 'p', 'weight', 'NaN'::numeric, 'scope', 's', 'actual', 'Infinity'::numeric,
                                               'target', '-Infinity'::numeric, 'attainment', round('NaN'::numeric, 4), 'contribution', round(1::numeric, 2)))::text),
          '... NaN and infinities as jsonb_build_object writes them (strings)');
CREATE TABLE public.slp AS SELECT i % 50 AS g, 'k' || i AS kpi, 'result' AS part, 0.1 AS weight, 'person' AS scope,
                                  (i % 13)::numeric AS actual, 10::numeric AS target, (i % 13) / 10.0 AS attainment, ((i * 37) % 101)::numeric AS contribution
                             FROM generate_series(1, 200000) i;
ANALYZE public.slp;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; acc text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS off) ' || q LOOP acc := acc || r || E'\n'; END LOOP;
    RETURN acc;
END $$;
SELECT matches(pg_temp.plan_of('SELECT g, gm._score_lines(kpi, part, weight, scope, actual, target, attainment, contribution) FROM slp GROUP BY g'),
               'Partial (Hash|Group)Aggregate', '... the state goes through parallel workers (partial aggregates, serialised and combined)');
CREATE TEMP TABLE slp_par AS SELECT g, gm._score_lines(kpi, part, weight, scope, actual, target, attainment, contribution)::text AS lines FROM slp GROUP BY g;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT is((SELECT count(*)::int FROM slp_par p JOIN (SELECT g, jsonb_agg(jsonb_build_object('kpi', kpi, 'part', part, 'weight', weight, 'scope', scope, 'actual', actual,
                                   'target', target, 'attainment', round(attainment, 4), 'contribution', round(contribution, 2)) ORDER BY contribution DESC, kpi)::text AS lines
                              FROM slp GROUP BY g) r USING (g) WHERE p.lines = r.lines), 50, '... 50 groups of 4,000 lines, equal whether or not the state went through workers');
RESET max_parallel_workers_per_gather;
DROP TABLE public.slp;

SELECT * FROM finish();
