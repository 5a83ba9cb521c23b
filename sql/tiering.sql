-- tiering: gm.rfm, gm.rfm_breaks, scoring, segment maps, lifecycle, value tier, LTV helpers
SET extra_float_digits = 0;
SET datestyle = ISO, YMD;

-- gm.rfm: text form, accessors, casts, order, bad input (22P02 / 22003)
SELECT '545'::gm.rfm AS s, gm.r('545'), gm.f('545'), gm.m('545'), ' 123 '::gm.rfm AS trimmed;
SELECT 545::gm.rfm AS from_int, '321'::gm.rfm::integer AS to_int, gm.rfm(111) AS fn;
SELECT '055'::gm.rfm;
SELECT '5a5'::gm.rfm;
SELECT '5555'::gm.rfm;
SELECT ''::gm.rfm;
SELECT '56'::gm.rfm;
SELECT 600::gm.rfm;
SELECT 1545::gm.rfm;
SELECT '211'::gm.rfm > '155', '333'::gm.rfm = '333', '333'::gm.rfm <> '334', '111'::gm.rfm <= '111', '512'::gm.rfm >= '511';
SELECT array_agg(s ORDER BY s) AS sorted FROM unnest('{545,111,512,155,511,545}'::gm.rfm[]) s;
SELECT s, count(*) FROM unnest('{545,111,545,155}'::gm.rfm[]) s GROUP BY s ORDER BY s;
SELECT gm.rfm_send('545') AS wire, gm.rfm_hash('545') = gm.rfm_hash(545::gm.rfm) AS same_hash;

-- gm.rfm_breaks: percentile_disc cut points per column, NULLs ignored per column
CREATE TEMP TABLE t_rfm (id int, r float8, f float8, m float8);
INSERT INTO t_rfm VALUES (1, 3, 1, 10), (2, 40, 2, 20), (3, 3, 2, 35.5), (4, 90, 7, 5), (5, 200, 1, 1000),
                         (6, 12, 3, NULL), (7, NULL, 4, 80), (8, 30, 2, 80), (9, 365, 1, 0), (10, 3, 9, 250);
SELECT gm.rfm_breaks(r, f, m) FROM t_rfm;
SELECT percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r) AS r_ref,
       percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f) AS f_ref,
       percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m) AS m_ref FROM t_rfm;
SELECT gm.rfm_cut_points(b, 'r') AS r, gm.rfm_cut_points(b, 'frequency') AS f, gm.rfm_cut_points(b, 'm') AS m
FROM (SELECT gm.rfm_breaks(r, f, m) b FROM t_rfm) x;
-- scores: R = 5 - #cuts below, F/M = 1 + #cuts below; ties share a score
SELECT id, r, f, m, gm.rfm_score(r, f, m, b) AS score, gm.rfm_segment(gm.rfm_score(r, f, m, b)) AS segment
FROM t_rfm, (SELECT gm.rfm_breaks(r, f, m) b FROM t_rfm) x ORDER BY id;
-- fewer than 5 customers, one customer, all equal, nothing
SELECT gm.rfm_breaks(r, f, m) FROM (VALUES (1::float8, 1::float8, 1::float8), (2, 2, 2), (3, 3, 3)) v(r, f, m);
SELECT gm.rfm_breaks(7, 2, 99.5);
SELECT gm.rfm_breaks(r, 4, 50) FROM generate_series(1, 4) r;
SELECT gm.rfm_score(7, 2, 99.5, gm.rfm_breaks(7, 2, 99.5)) AS single_customer;
SELECT gm.rfm_breaks(r, f, m) IS NULL AS empty FROM t_rfm WHERE false;
SELECT gm.rfm_breaks(NULL::float8, NULL::float8, NULL::float8) IS NULL AS all_null;
SELECT gm.rfm_breaks(r, NULL, m) FROM t_rfm;
SELECT gm.rfm_score(1, 1, 1, 'r=[1,2,3,4] f=[] m=[1,2,3,4]');
SELECT gm.rfm_score(NULL, 1, 1, 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]') IS NULL AS null_in_null_out;
-- bad values: negative, NaN, infinity (22003)
SELECT gm.rfm_breaks(r, f, m) FROM (VALUES (1::float8, 1::float8, -5::float8)) v(r, f, m);
SELECT gm.rfm_breaks('NaN', 1, 1);
SELECT gm.rfm_score(1, 'Infinity', 1, 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]');
-- the text form round-trips exactly and is independent of extra_float_digits
SELECT b::text = b::text::gm.rfm_breaks::text AS round_trip, b::text
FROM (SELECT gm.rfm_breaks(r, f, m) b FROM (VALUES (0.1::float8, 1e-300::float8, 123456789.123456789::float8)) v(r, f, m)) x;
SET extra_float_digits = 3;
SELECT gm.rfm_breaks(0.1, 2, 1.0 / 3);
RESET extra_float_digits;
SELECT ' r = [ 1 , 2,3,4]f=[0,0,0,0]   m=[] '::gm.rfm_breaks;
SELECT 'r=[1,2,3] f=[1,2,3,4] m=[1,2,3,4]'::gm.rfm_breaks;
SELECT 'r=[4,3,2,1] f=[1,2,3,4] m=[1,2,3,4]'::gm.rfm_breaks;
SELECT 'r=[-1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]'::gm.rfm_breaks;
SELECT 'r=[1,2,3,4] f=[1,2,3,4]'::gm.rfm_breaks;
SELECT 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,1e999]'::gm.rfm_breaks;
SELECT gm.rfm_cut_points('r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]', 'x');

-- the segment map, cell by cell (125 cells, every segment reachable)
SELECT gm.rfm_segment(c::gm.rfm) AS segment, count(*) AS cells, string_agg(c::text, ' ' ORDER BY c) AS scores
FROM (SELECT r * 100 + f * 10 + m AS c FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m) x
GROUP BY 1 ORDER BY min(c);

-- Chinese 8-class model: every (R, F, M) high/low combination, equal to the mean counts as high
SELECT r, f, m, (gm.rfm_class_cn(r, f, m, 30, 5, 100)).*
FROM (VALUES (10::float8, 5::float8, 100::float8), (31, 9, 500), (30, 1, 100), (90, 1, 120), (5, 5, 99.99),
             (60, 6, 1), (0, 0, 0), (365, 4, 50)) v(r, f, m) ORDER BY 4;
SELECT gm.rfm_means(r, f, m) FROM t_rfm;
SELECT gm.rfm_means(r, NULL, m) FROM t_rfm;
SELECT gm.rfm_means(r, f, m) IS NULL AS empty FROM t_rfm WHERE false;
SELECT (gm.rfm_class_cn(1, 1, 1, 1, 'NaN', 1)).code;
SELECT (gm.rfm_class_cn(-1, 1, 1, 1, 1, 1)).code;
DROP TABLE t_rfm;

-- lifecycle class (defaults: new < 30 days, at_risk >= 30 idle days, churned >= 90 idle days)
SELECT label, gm.lifecycle(fo, lo, li, intent, key, '2026-11-20') AS lifecycle
FROM (VALUES ('prospect', NULL::date, NULL::date, NULL::date, false, false),
             ('prospect with intent', NULL, NULL, '2026-11-19', true, false),
             ('first order 29 days ago', '2026-10-22', '2026-10-22', NULL, false, false),
             ('first order 30 days ago, active', '2026-10-21', '2026-11-15', NULL, false, false),
             ('key customer, active', '2025-01-01', '2026-11-01', '2026-11-18', false, true),
             ('key customer, idle 30 days', '2025-01-01', '2026-10-21', '2026-10-01', false, true),
             ('idle 29 days', '2025-01-01', '2026-10-22', NULL, false, false),
             ('idle 89 days', '2025-01-01', '2026-08-23', NULL, false, false),
             ('idle 90 days', '2025-01-01', '2026-08-22', '2026-08-01', false, false),
             ('interaction keeps it alive', '2025-01-01', '2026-01-01', '2026-11-20', false, false)) v(label, fo, lo, li, intent, key);
SELECT gm.lifecycle('2026-01-01', NULL, NULL, false, false, NULL) IS NULL AS null_as_of;
SELECT gm.lifecycle('2026-12-01', NULL, NULL, false, false, '2026-11-20');
SELECT gm.lifecycle('infinity', NULL, NULL, false, false, '2026-11-20');
-- value tier (defaults: valuable = F >= 3 and M >= 4; at_risk = valuable with R <= 2)
SELECT s, gm.value_tier(s) FROM unnest('{555,534,334,234,134,525,433,111}'::gm.rfm[]) s;
-- thresholds are parameters of gm.parameter: an edit applies at once
BEGIN;
UPDATE gm.parameter SET value = 60 WHERE name = 'lifecycle_churned_days';
UPDATE gm.parameter SET value = 5 WHERE name = 'value_high_min_m';
SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20') AS idle_80_days,
       gm.value_tier('534') AS tier_534, gm.value_tier('535') AS tier_535;
ROLLBACK;
SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20') AS idle_80_days_default;
SELECT name, value, unit, origin FROM gm.parameter WHERE 'tiering' = ANY (string_to_array(domain, ', ')) ORDER BY name;

-- LTV, churn rate, ARPU
SELECT gm.ltv(1200, 3, 500) AS ltv, gm.ltv(1200.50, 2.5) AS ltv_no_cost, gm.ltv(100, 1, 250) AS ltv_negative;
SELECT gm.churn_rate(200, 18) AS churn, gm.churn_rate(0, 0) IS NULL AS no_base, gm.arpu(1000, 3) AS arpu, gm.arpu(10, 0) IS NULL AS no_users;
SELECT gm.ltv(-1, 3, 0);
SELECT gm.ltv(100, 'NaN', 0);
SELECT gm.churn_rate(10, 11);
SELECT gm.churn_rate(-1, 0);
SELECT gm.arpu(100, -2);
