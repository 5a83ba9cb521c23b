-- test/oracle/kpi_reference.sql — the test oracle of the KPI functions (issue #18): every
-- reference ("stock SQL") formula the tests compare gm's KPI aggregates and functions with,
-- written once, here, from doc/kpi.md, doc/calendar.md (on-time rate) and the seeds.
--
-- Loaded with \ir by sql/kpi.sql (pg_regress), test/pgtap/kpi.sql, test/pgtap/scale_parallel.sql
-- and test/bench/40_kpi.sql. It creates schema kpi_ref; the including test drops it at its end
-- (or rolls it back). It needs gm (gm.funnel_stats, gm.light) and nothing else.
--
-- Aggregate KPIs are written as SQL expression templates: kpi_ref.<kpi>_sql(column names) returns
-- the aggregate expression as text. From that one text the oracle builds
--   * kpi_ref.grouped_sql(source, keys): plain grouped SQL over a table (views, bench baseline);
--   * kpi_ref.<kpi>(arrays): the same formula over arrays, for small, NULL and empty cases.
-- Every aggregate reference ignores rows whose arguments are NULL and divides by nullif(.., 0),
-- as the extension does (doc/kpi.md "NULL-ignoring", "never an error").

CREATE SCHEMA kpi_ref;

-------------------------------------------------------------------------------
-- aggregate formulas (templates)

-- NPS: 100 × (promoters 9–10 − detractors 0–6) / answers; NULL scores are not answers
CREATE FUNCTION kpi_ref.nps_sql(score text DEFAULT 'score') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('100.0 * (count(*) FILTER (WHERE %1$s >= 9) - count(*) FILTER (WHERE %1$s <= 6)) / nullif(count(%1$s), 0)', score);

-- CSAT: scale 5 = percent of answers 4 or 5 (top-2 box); scale 100 = the mean (seed 000 "CSAT 90 分")
CREATE FUNCTION kpi_ref.csat_sql(score text DEFAULT 'csat', scale integer DEFAULT 5) RETURNS text IMMUTABLE LANGUAGE sql
RETURN CASE scale WHEN 5 THEN format('100.0 * count(*) FILTER (WHERE %1$s >= 4) / nullif(count(%1$s), 0)', score)
                  WHEN 100 THEN format('avg(%s)', score) END;

-- rate: share of true among the non-NULL values
CREATE FUNCTION kpi_ref.rate_sql(hit text DEFAULT 'ok') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('count(*) FILTER (WHERE %1$s)::numeric / nullif(count(%1$s), 0)', hit);

-- funnel: a row at stage s reached stages 1..s; the three step rates, NULL on a zero denominator
CREATE FUNCTION kpi_ref.funnel_sql(stage text DEFAULT 'stage') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('ROW(count(%1$s), count(*) FILTER (WHERE %1$s >= 2), count(*) FILTER (WHERE %1$s >= 3), '
              'count(*) FILTER (WHERE %1$s >= 2)::numeric / nullif(count(%1$s), 0), '
              'count(*) FILTER (WHERE %1$s >= 3)::numeric / nullif(count(*) FILTER (WHERE %1$s >= 2), 0), '
              'count(*) FILTER (WHERE %1$s >= 3)::numeric / nullif(count(%1$s), 0))::gm.funnel_stats', stage);

-- CAC (seed 000 §3.3: 营销总投入 / 新增客户数): sum(spend) / sum(new customers) over the rows where
-- BOTH are non-NULL (doc/kpi.md). A row with spend but no customer count adds nothing to either sum.
CREATE FUNCTION kpi_ref.cac_sql(spend text DEFAULT 'spend', new_customers text DEFAULT 'newc') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('sum(%1$s) FILTER (WHERE %1$s IS NOT NULL AND %2$s IS NOT NULL) '
              '/ nullif(sum(%2$s) FILTER (WHERE %1$s IS NOT NULL AND %2$s IS NOT NULL), 0)', spend, new_customers);

-- ROI: (sum(revenue) − sum(cost)) / sum(cost) over the rows where BOTH are non-NULL (doc/kpi.md)
CREATE FUNCTION kpi_ref.roi_sql(revenue text DEFAULT 'revenue', cost text DEFAULT 'spend') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('(sum(%1$s) FILTER (WHERE %1$s IS NOT NULL AND %2$s IS NOT NULL) - sum(%2$s) FILTER (WHERE %1$s IS NOT NULL AND %2$s IS NOT NULL)) '
              '/ nullif(sum(%2$s) FILTER (WHERE %1$s IS NOT NULL AND %2$s IS NOT NULL), 0)', revenue, cost);

-- on-time rate (doc/calendar.md, 跟进及时率): items with a due time count when done (on time when
-- done <= due) or when still open and past due at as_of (late); float8
CREATE FUNCTION kpi_ref.on_time_rate_sql(due text DEFAULT 'due', done text DEFAULT 'done', as_of text DEFAULT 'as_of') RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('count(*) FILTER (WHERE %1$s IS NOT NULL AND %2$s <= %1$s)::float8 '
              '/ nullif(count(*) FILTER (WHERE %1$s IS NOT NULL AND (%2$s IS NOT NULL OR %1$s < %3$s)), 0)', due, done, as_of);

-- every aggregate KPI per group of a table with the tests' column names (score, csat, c100, stage,
-- ok, spend, newc, revenue): columns <keys>, nps, csat, csat100, rate, leads, opps, deals, funnel,
-- cac, roi; keys NULL: the whole table as one group
CREATE FUNCTION kpi_ref.grouped_sql(source text, keys text DEFAULT NULL) RETURNS text IMMUTABLE LANGUAGE sql
RETURN format('SELECT %2$snps, csat, csat100, rate, (funnel).leads AS leads, (funnel).opportunities AS opps, '
              '(funnel).deals AS deals, funnel, cac, roi FROM (SELECT %2$s%3$s AS nps, %4$s AS csat, %5$s AS csat100, '
              '%6$s AS rate, %7$s AS funnel, %8$s AS cac, %9$s AS roi FROM %1$s%10$s) ref',
              source, coalesce(keys || ', ', ''), kpi_ref.nps_sql('score'), kpi_ref.csat_sql('csat', 5),
              kpi_ref.csat_sql('c100', 100), kpi_ref.rate_sql('ok'), kpi_ref.funnel_sql('stage'),
              kpi_ref.cac_sql('spend', 'newc'), kpi_ref.roi_sql('revenue', 'spend'), coalesce(' GROUP BY ' || keys, ''));

-- CALL kpi_ref.create_view('v', 'tab', 'grid'): view v = kpi_ref.grouped_sql('tab', 'grid'), plain
-- SQL (it does not depend on kpi_ref, which the test may drop before it)
CREATE PROCEDURE kpi_ref.create_view(view_name text, source text, keys text DEFAULT NULL) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE VIEW %s AS %s', view_name, kpi_ref.grouped_sql(source, keys));
END $$;

-- the same formulas over arrays (NULL elements are NULL rows; an empty array is an empty group)
DO $$
BEGIN
  EXECUTE format('CREATE FUNCTION kpi_ref.nps(scores integer[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1) u(score)', kpi_ref.nps_sql('score')));
  EXECUTE format('CREATE FUNCTION kpi_ref.csat(scores integer[], scale integer DEFAULT 5) RETURNS numeric IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT CASE $2 WHEN 5 THEN (SELECT %s FROM unnest($1) u(score)) WHEN 100 THEN (SELECT %s FROM unnest($1) u(score)) END',
                        kpi_ref.csat_sql('score', 5), kpi_ref.csat_sql('score', 100)));
  EXECUTE format('CREATE FUNCTION kpi_ref.rate(hits boolean[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1) u(hit)', kpi_ref.rate_sql('hit')));
  EXECUTE format('CREATE FUNCTION kpi_ref.funnel(stages integer[]) RETURNS gm.funnel_stats IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1) u(stage)', kpi_ref.funnel_sql('stage')));
  EXECUTE format('CREATE FUNCTION kpi_ref.cac(spend numeric[], new_customers bigint[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1, $2) u(spend, newc)', kpi_ref.cac_sql('spend', 'newc')));
  EXECUTE format('CREATE FUNCTION kpi_ref.roi(revenue numeric[], cost numeric[]) RETURNS numeric IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1, $2) u(revenue, cost)', kpi_ref.roi_sql('revenue', 'cost')));
  EXECUTE format('CREATE FUNCTION kpi_ref.on_time_rate(due timestamptz[], done timestamptz[], as_of timestamptz) RETURNS float8 IMMUTABLE LANGUAGE sql AS %L',
                 format('SELECT %s FROM unnest($1, $2) u(due, done)', kpi_ref.on_time_rate_sql('due', 'done', '$3')));
END $$;

-------------------------------------------------------------------------------
-- targets (目标分解)

-- the exact quota of each part: total × w / Σw (a split_target part is within one unit of it)
CREATE FUNCTION kpi_ref.quota(total numeric, w numeric, weights numeric[]) RETURNS numeric IMMUTABLE LANGUAGE sql
RETURN total * w / (SELECT sum(x) FROM unnest(weights) x);

-- largest remainder in units of 10^-decimals: integer parts of the quotas, then the missing units one
-- each to the largest remainders, ties to the earlier position; a negative total is the mirror image;
-- all weights zero → NULL. (Valid arguments only: the error cases are tested on gm itself.)
CREATE FUNCTION kpi_ref.split_target(total numeric, weights numeric[], decimals integer DEFAULT 0) RETURNS numeric[] IMMUTABLE LANGUAGE sql
RETURN (
  WITH w AS (SELECT i, x, abs(total) * 10::numeric ^ decimals * x / nullif((SELECT sum(y) FROM unnest(weights) y), 0) AS q
             FROM unnest(weights) WITH ORDINALITY u(x, i)),
       f AS (SELECT i, q, floor(q) AS base, q - floor(q) AS rem FROM w),
       r AS (SELECT i, base, row_number() OVER (ORDER BY rem DESC, i) AS rk,
                    abs(total) * 10::numeric ^ decimals - sum(base) OVER () AS missing FROM f)
  SELECT CASE WHEN bool_and(base IS NOT NULL) THEN
           array_agg(sign(total) * round((base + CASE WHEN rk <= missing THEN 1 ELSE 0 END) / 10::numeric ^ decimals, decimals) ORDER BY i)
         END
  FROM r);

-- year → quarters by the sums of their month weights (NULL weights: equal)
CREATE FUNCTION kpi_ref.quarter_weights(month_weights numeric[] DEFAULT NULL) RETURNS numeric[] IMMUTABLE LANGUAGE sql
RETURN ARRAY(SELECT sum(coalesce(month_weights[m], 1)) FROM generate_series(1, 12) m GROUP BY (m - 1) / 3 ORDER BY (m - 1) / 3);

-------------------------------------------------------------------------------
-- monitoring (目标监控); thresholds are the seed defaults of gm.kpi_threshold

-- attainment: actual / target; target 0 → NULL
CREATE FUNCTION kpi_ref.attainment(actual numeric, target numeric) RETURNS numeric IMMUTABLE LANGUAGE sql
RETURN actual / nullif(target, 0);

-- deviation light (seed 003: ±15 %): dev = (actual − plan) / plan; green inside ±tolerance,
-- red behind, yellow ahead; plan 0 → NULL
CREATE FUNCTION kpi_ref.deviation_light(actual numeric, plan numeric, tolerance numeric DEFAULT 0.15) RETURNS gm.light IMMUTABLE LANGUAGE sql
RETURN (SELECT CASE WHEN dev < -tolerance THEN 'red' WHEN dev > tolerance THEN 'yellow' WHEN dev IS NOT NULL AND tolerance IS NOT NULL THEN 'green' END::gm.light
        FROM (SELECT (actual - plan) / nullif(plan, 0) AS dev) d);

-- budget alert (seed 003, DESIGN.md): 2 when spent/budget > pace × elapsed, else 1 when
-- spent/budget >= level, else 0; budget 0 → NULL
CREATE FUNCTION kpi_ref.budget_alert(spent numeric, budget numeric, elapsed numeric, consumed_level numeric DEFAULT 0.8, pace_factor numeric DEFAULT 1.2) RETURNS integer IMMUTABLE LANGUAGE sql
RETURN (SELECT CASE WHEN f > pace_factor * elapsed THEN 2 WHEN f >= consumed_level THEN 1
                    WHEN f IS NOT NULL AND elapsed IS NOT NULL AND consumed_level IS NOT NULL AND pace_factor IS NOT NULL THEN 0 END
        FROM (SELECT spent / nullif(budget, 0) AS f) b);

-- year on year (seed 003: ±20 %): change = (current − last) / |last|; 1 above, −1 below, else 0
CREATE FUNCTION kpi_ref.yoy_alert(cur numeric, last_year numeric, threshold numeric DEFAULT 0.2) RETURNS integer IMMUTABLE LANGUAGE sql
RETURN (SELECT CASE WHEN c > threshold THEN 1 WHEN c < -threshold THEN -1 WHEN c IS NOT NULL AND threshold IS NOT NULL THEN 0 END
        FROM (SELECT (cur - last_year) / nullif(abs(last_year), 0) AS c) y);

-- bottom share (seed 003: 后10%): pos <= ceil(share × n)
CREATE FUNCTION kpi_ref.bottom_flag(pos bigint, n bigint, share numeric DEFAULT 0.1) RETURNS boolean IMMUTABLE LANGUAGE sql
RETURN pos <= ceil(share * n);

-- manager load (seed 000: 200–300 reasonable, 500 overload), per manager
CREATE FUNCTION kpi_ref.manager_load_light(customers bigint, managers integer DEFAULT 1, capacity integer DEFAULT NULL) RETURNS gm.light IMMUTABLE LANGUAGE sql
RETURN (SELECT CASE WHEN per >= 500 THEN 'red' WHEN per > coalesce(capacity, 300) THEN 'yellow' WHEN per IS NOT NULL THEN 'green' END::gm.light
        FROM (SELECT customers::numeric / nullif(managers, 0) AS per) p);
CREATE FUNCTION kpi_ref.manager_load_band(customers bigint, managers integer DEFAULT 1) RETURNS text IMMUTABLE LANGUAGE sql
RETURN (SELECT CASE WHEN per >= 500 THEN 'overload' WHEN per > 300 THEN 'high' WHEN per >= 200 THEN 'reasonable' WHEN per IS NOT NULL THEN 'under' END
        FROM (SELECT customers::numeric / nullif(managers, 0) AS per) p);
