-- bench 80_performance (issue 19): a company of 3 regions, 1,200 grids and 3,000 people;
-- 1,000,000 customers with 5,000,000 sales and 1,000,000 survey answers over 2025, written day
-- after day as a CRM writes them.
-- Goals: the exact split company -> regions -> grids -> people < 100 ms; the actuals and
-- scorecards of 12 months < 5 s, against the plain SQL that computes the same figures (warm: the
-- periods recomputed, as the nightly job does, best of two runs, after a checkpoint and with no
-- autovacuum of an earlier benchmark's tables running; the first computation, which writes every
-- row, and the cost of the summary triggers to the CRM's writes are reported beside it).
SET client_min_messages = warning;
SELECT setseed(0.19);
TRUNCATE gm.grid CASCADE;
INSERT INTO gm.grid(code, name, capacity, attrs) SELECT 'R' || r, 'region ' || r, NULL, '{}' FROM generate_series(1, 3) r;
INSERT INTO gm.grid(code, name, parent_id, capacity, attrs)
SELECT 'G' || g, 'grid ' || g, (SELECT grid_id FROM gm.grid WHERE code = 'R' || (1 + (g - 1) / 400)), 200 + g % 150,
       jsonb_build_object('value_index', round((0.5 + random())::numeric, 3))
FROM generate_series(1, 1200) g;
-- 3,000 people: a manager and a marketer per grid, a second marketer in every other grid
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from)
SELECT g.grid_id, p.role, p.duty, '2024-01-01'
FROM gm.grid g
CROSS JOIN LATERAL (VALUES ('m_' || g.code, 'manager'), ('a_' || g.code, 'marketer'), ('b_' || g.code, 'marketer')) p(role, duty)
WHERE g.parent_id IS NOT NULL AND (p.duty = 'manager' OR p.role LIKE 'a_%' OR substr(g.code, 2)::int % 2 = 0);
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) SELECT grid_id, 'rm_' || code, 'manager', '2024-01-01' FROM gm.grid WHERE parent_id IS NULL;
ANALYZE gm.grid, gm.grid_member;

CREATE TEMP TABLE g AS SELECT grid_id, row_number() OVER (ORDER BY grid_id) AS n FROM gm.grid WHERE parent_id IS NOT NULL;
INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
SELECT c::text, g.grid_id,
       CASE WHEN i % 3 = 0 THEN 'm_G' || g.n ELSE 'a_G' || g.n END,
       (ARRAY['broadband', 'mobile', 'tv'])[1 + i % 3], (ARRAY['visit', 'store', 'online'])[1 + (i / 3) % 3],
       round((20 + random() * 300)::numeric, 2), date '2025-01-01' + ((i - 1) * 365 / 5000000)::int, i % 17 = 0
FROM generate_series(1, 5000000) i
CROSS JOIN LATERAL (SELECT 1 + (i::bigint * 7919) % 1000000 AS c) k
JOIN g ON g.n = 1 + k.c % 1200;
INSERT INTO gm.survey(customer_key, grid_id, answered_on, nps_score, csat_score)
SELECT c::text, g.grid_id, date '2025-01-01' + ((c - 1) * 365 / 1000000)::int, (c * 31) % 11, 1 + (c * 17) % 5
FROM generate_series(1, 1000000) c JOIN g ON g.n = 1 + c % 1200;
INSERT INTO gm.spend(grid_id, channel, day, amount, planned)
SELECT g.grid_id, 'visit', d, round((50 + random() * 100)::numeric, 2), 100 FROM g, generate_series('2025-01-01'::date, '2025-12-31', '1 day') d
WHERE g.n % 10 = 0;
VACUUM ANALYZE gm.sale, gm.survey, gm.spend, gm.sale_month, gm.survey_month;

-- what the monthly summaries cost the CRM's writes: 200,000 sales in one INSERT and 2,000 single-row
-- INSERTs, with the summary triggers against the same without them
CREATE TABLE bench.sale_src AS SELECT customer_key, grid_id, person, product, channel, amount, sold_on + 365 AS sold_on, new_customer FROM gm.sale LIMIT 200000;
SELECT bench.compare('sales written: one INSERT of 200,000 sales, with the summary trigger (cost)',
    $$ALTER TABLE gm.sale DISABLE TRIGGER sale_month_ins; ALTER TABLE gm.sale DISABLE TRIGGER sale_month_del;
      INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer) SELECT * FROM bench.sale_src;
      DELETE FROM gm.sale WHERE sold_on >= '2026-01-01';
      ALTER TABLE gm.sale ENABLE TRIGGER sale_month_ins; ALTER TABLE gm.sale ENABLE TRIGGER sale_month_del$$,
    $$INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer) SELECT * FROM bench.sale_src;
      ALTER TABLE gm.sale DISABLE TRIGGER sale_month_del;
      DELETE FROM gm.sale WHERE sold_on >= '2026-01-01';
      ALTER TABLE gm.sale ENABLE TRIGGER sale_month_del;
      DELETE FROM gm.sale_month WHERE month >= '2026-01-01'$$,
    1.5, 'cost', 1, 'no trigger');
SELECT bench.compare('sales written: 2,000 single-row INSERTs, with the summary trigger (cost)',
    $$ALTER TABLE gm.sale DISABLE TRIGGER sale_month_ins; ALTER TABLE gm.sale DISABLE TRIGGER sale_month_del;
      DO $d$ DECLARE r record; BEGIN FOR r IN SELECT * FROM bench.sale_src LIMIT 2000 LOOP
        INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
        VALUES (r.customer_key, r.grid_id, r.person, r.product, r.channel, r.amount, r.sold_on, r.new_customer); END LOOP; END $d$;
      DELETE FROM gm.sale WHERE sold_on >= '2026-01-01';
      ALTER TABLE gm.sale ENABLE TRIGGER sale_month_ins; ALTER TABLE gm.sale ENABLE TRIGGER sale_month_del$$,
    $$DO $d$ DECLARE r record; BEGIN FOR r IN SELECT * FROM bench.sale_src LIMIT 2000 LOOP
        INSERT INTO gm.sale(customer_key, grid_id, person, product, channel, amount, sold_on, new_customer)
        VALUES (r.customer_key, r.grid_id, r.person, r.product, r.channel, r.amount, r.sold_on, r.new_customer); END LOOP; END $d$;
      ALTER TABLE gm.sale DISABLE TRIGGER sale_month_del;
      DELETE FROM gm.sale WHERE sold_on >= '2026-01-01';
      ALTER TABLE gm.sale ENABLE TRIGGER sale_month_del;
      DELETE FROM gm.sale_month WHERE month >= '2026-01-01'$$,
    5, 'cost', 1, 'no trigger');
DROP TABLE bench.sale_src;
DO $$
BEGIN
    IF (SELECT count(*) FROM gm.sale_month WHERE month >= '2026-01-01' OR sales <= 0) <> 0
       OR (SELECT sum(sales) FROM gm.sale_month) <> (SELECT count(*) FROM gm.sale) THEN
        RAISE EXCEPTION 'the summary benchmark left rows behind';
    END IF;
END $$;

-- the split: exact at every level, < 100 ms
SELECT bench.measure('split company -> 3 regions -> 1,200 grids -> 3,000 people: tree + exact parts',
    $$SELECT gm._split_tree(123456789.01, array_agg(t.parent ORDER BY t.node),
                            array_agg(CASE WHEN t.level = 'person' THEN 1 ELSE coalesce((g.attrs ->> 'value_index')::numeric, 1) END ORDER BY t.node), 2)
        FROM gm.target_tree('2025-01-01') t LEFT JOIN gm.grid g ON g.grid_id = t.grid_id$$, 100, 5);
SELECT bench.measure('split_targets: the same split with its 4,204 target rows written',
    $$SELECT gm.split_targets('revenue', 'month', '2025-01-01', 123456789.01, 'value_index')$$, 500, 5);
DO $$
DECLARE bad bigint;
BEGIN
    SELECT count(*) INTO bad FROM gm.target p
     WHERE p.kpi = 'revenue' AND p.period_start = '2025-01-01' AND p.level <> 'person'
       AND p.value <> (SELECT sum(c.value) FROM gm.target c WHERE c.kpi = 'revenue' AND c.period_start = '2025-01-01' AND gm._is_child(p, c));
    IF bad <> 0 OR (SELECT count(*) FROM gm.target WHERE kpi = 'revenue' AND period_start = '2025-01-01' AND level = 'person') <> 3000 THEN
        RAISE EXCEPTION 'the split is not exact (% parents off) or misses people', bad;
    END IF;
END $$;
-- actuals and scorecards of 12 months: gm against the plain SQL computing the same figures
-- (revenue, sales, new customers per person, grid, region, company and product; NPS, CSAT,
-- spend, CAC, ROI per grid, region and company; a weighted score per person)
SELECT gm.split_targets('revenue', 'month', m::date, 10000000.00, 'value_index') FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m;
ANALYZE gm.target;
CREATE TABLE bench.perf_plain (kpi text, m date, level text, grid_id bigint, person name, product text, value numeric);
SELECT bench.settle();
SELECT bench.measure('actuals, first computation: 12 months, 448,656 rows written',
    $$SELECT sum(gm.compute_actuals('month', m::date)) FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m$$, 15000, 1);
VACUUM ANALYZE gm.actual;
SELECT bench.settle();
SELECT bench.compare('actuals + scorecards, 1,200 grids x 12 months, 5M sales',
    $$TRUNCATE bench.perf_plain;
      WITH s AS (SELECT date_trunc('month', sold_on)::date m, grid_id, person, product, amount, new_customer FROM gm.sale WHERE sold_on >= '2025-01-01' AND sold_on < '2026-01-01'),
           gs AS (SELECT m, s.grid_id, gg.parent_id, person, product, sum(amount) rev, count(*) n, count(*) FILTER (WHERE new_customer) nc
                    FROM s JOIN gm.grid gg ON gg.grid_id = s.grid_id GROUP BY GROUPING SETS ((m, s.grid_id, gg.parent_id, person, product), (m, s.grid_id, gg.parent_id, person),
                                                          (m, s.grid_id, gg.parent_id, product), (m, s.grid_id, gg.parent_id), (m, gg.parent_id, product), (m, gg.parent_id), (m, product), (m)))
      INSERT INTO bench.perf_plain
      SELECT k.kpi, m, CASE WHEN person IS NOT NULL THEN 'person' WHEN grid_id IS NOT NULL THEN 'grid' WHEN parent_id IS NOT NULL THEN 'region' ELSE 'company' END,
             coalesce(grid_id, parent_id), person, coalesce(product, ''), CASE k.kpi WHEN 'revenue' THEN rev WHEN 'sales' THEN n ELSE nc END
        FROM gs, (VALUES ('revenue'), ('sales'), ('new_customers')) k(kpi);
      WITH v AS (SELECT date_trunc('month', answered_on)::date m, v.grid_id, gg.parent_id, nps_score, csat_score FROM gm.survey v JOIN gm.grid gg ON gg.grid_id = v.grid_id
                  WHERE answered_on >= '2025-01-01' AND answered_on < '2026-01-01')
      INSERT INTO bench.perf_plain
      SELECT 'nps', m, CASE WHEN grid_id IS NOT NULL THEN 'grid' WHEN parent_id IS NOT NULL THEN 'region' ELSE 'company' END, coalesce(grid_id, parent_id), NULL, '',
             100.0 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6)) / count(*)
        FROM v GROUP BY GROUPING SETS ((m, grid_id, parent_id), (m, parent_id), (m))
      UNION ALL
      SELECT 'csat', m, CASE WHEN grid_id IS NOT NULL THEN 'grid' WHEN parent_id IS NOT NULL THEN 'region' ELSE 'company' END, coalesce(grid_id, parent_id), NULL, '',
             100.0 * count(*) FILTER (WHERE csat_score >= 4) / count(*)
        FROM v GROUP BY GROUPING SETS ((m, grid_id, parent_id), (m, parent_id), (m));
      WITH p AS (SELECT date_trunc('month', day)::date m, p.grid_id, gg.parent_id, amount FROM gm.spend p JOIN gm.grid gg ON gg.grid_id = p.grid_id
                  WHERE day >= '2025-01-01' AND day < '2026-01-01'),
           sp AS (SELECT m, grid_id, parent_id, sum(amount) sp FROM p GROUP BY GROUPING SETS ((m, grid_id, parent_id), (m, parent_id), (m)))
      INSERT INTO bench.perf_plain
      SELECT k.kpi, sp.m, CASE WHEN sp.grid_id IS NOT NULL THEN 'grid' WHEN sp.parent_id IS NOT NULL THEN 'region' ELSE 'company' END, coalesce(sp.grid_id, sp.parent_id), NULL, '',
             CASE k.kpi WHEN 'spend' THEN sp.sp WHEN 'cac' THEN sp.sp / nullif(pl.value, 0) ELSE (r.value - sp.sp) / nullif(sp.sp, 0) END
        FROM sp CROSS JOIN (VALUES ('spend'), ('cac'), ('roi')) k(kpi)
        LEFT JOIN bench.perf_plain pl ON pl.kpi = 'new_customers' AND pl.m = sp.m AND pl.person IS NULL AND pl.product = '' AND pl.grid_id IS NOT DISTINCT FROM coalesce(sp.grid_id, sp.parent_id)
        LEFT JOIN bench.perf_plain r ON r.kpi = 'revenue' AND r.m = sp.m AND r.person IS NULL AND r.product = '' AND r.grid_id IS NOT DISTINCT FROM coalesce(sp.grid_id, sp.parent_id);
      SELECT count(*) FROM (
        SELECT m.role_name, a.m, sum(w.w * least(a.value / nullif(t.value, 0), 1.5))
          FROM gm.grid_member m
          JOIN (VALUES ('revenue', 0.30), ('new_customers', 0.25)) w(kpi, w) ON true
          JOIN bench.perf_plain a ON a.kpi = w.kpi AND a.level = 'person' AND a.person = m.role_name AND a.grid_id = m.grid_id AND a.product = ''
          LEFT JOIN gm.target t ON t.kpi = w.kpi AND t.period_kind = 'month' AND t.period_start = a.m AND t.level = 'person' AND t.person = m.role_name AND t.grid_id = m.grid_id
         GROUP BY m.role_name, a.m) x$$,
    $$SELECT sum(gm.compute_actuals('month', m::date)) FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m;
      ANALYZE gm.actual;
      SELECT count(*) FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m, gm.scorecard('month', m::date) s$$,
    0.2, 'speedup', 2, 'plain SQL');
SELECT bench.measure('actuals + scorecards, 1,200 grids x 12 months, 5M sales (< 5 s)',
    $$SELECT sum(gm.compute_actuals('month', m::date)) FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m;
      SELECT count(*) FROM generate_series('2025-01-01'::date, '2025-12-01', '1 month') m, gm.scorecard('month', m::date) s$$, 5000, 2);
-- the same figures
DO $$
DECLARE bad bigint;
BEGIN
    SELECT count(*) INTO bad FROM bench.perf_plain p
      LEFT JOIN gm.actual a ON a.kpi = p.kpi AND a.period_kind = 'month' AND a.period_start = p.m AND a.level = p.level
                           AND coalesce(a.grid_id, 0) = coalesce(p.grid_id, 0) AND coalesce(a.person, '') = coalesce(p.person, '') AND a.product = p.product
     WHERE round(a.value, 6) IS DISTINCT FROM round(p.value, 6);
    IF bad <> 0 THEN
        RAISE EXCEPTION 'gm.compute_actuals differs from the plain SQL on % figures', bad;
    END IF;
END $$;
DROP TABLE bench.perf_plain;
TRUNCATE gm.sale, gm.survey, gm.spend, gm.sale_month, gm.survey_month, gm.actual, gm.target, gm.target_proposal, gm.alert;
TRUNCATE gm.grid CASCADE;
