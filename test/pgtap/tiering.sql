-- tiering: gm.rfm type, gm.rfm_breaks exactness (serial and forced parallel), scoring,
-- segment maps, lifecycle / value tier configuration and its cache, errors with SQLSTATEs
BEGIN;
SELECT plan(63);

-- catalog: volatility and parallel labels ------------------------------------------------------
SELECT volatility_is('gm', 'rfm_score', ARRAY['double precision', 'double precision', 'double precision', 'gm.rfm_breaks'], 'immutable', 'gm.rfm_score is IMMUTABLE (shippable)');
SELECT volatility_is('gm', 'rfm_breaks_in', ARRAY['cstring'], 'immutable', 'gm.rfm_breaks input is IMMUTABLE');
SELECT volatility_is('gm', 'lifecycle', ARRAY['date', 'date', 'date', 'boolean', 'boolean', 'date'], 'stable', 'gm.lifecycle reads gm.parameter: STABLE');
SELECT volatility_is('gm', 'value_tier', ARRAY['gm.rfm'], 'stable', 'gm.value_tier reads gm.parameter: STABLE');
SELECT is((SELECT proparallel FROM pg_proc WHERE oid = 'gm.rfm_breaks(float8, float8, float8)'::regprocedure), 's', 'gm.rfm_breaks is PARALLEL SAFE');
SELECT is((SELECT aggcombinefn::text || ' ' || aggserialfn::text || ' ' || aggdeserialfn::text FROM pg_aggregate
           WHERE aggfnoid = 'gm.rfm_breaks(float8, float8, float8)'::regprocedure),
          'gm._rfm_breaks_combine gm._rfm_breaks_serial gm._rfm_breaks_deserial', 'gm.rfm_breaks has combine, serial and deserial functions');
SELECT is((SELECT typcollation FROM pg_type WHERE oid = 'gm.rfm'::regtype), 0::oid, 'gm.rfm is not collatable');
SELECT is((SELECT count(*)::int FROM pg_opclass WHERE opcintype = 'gm.rfm'::regtype AND opcdefault), 2, 'gm.rfm has default btree and hash operator classes');

-- gm.rfm: bad input --------------------------------------------------------------------------
SELECT throws_ok($$SELECT '055'::gm.rfm$$, '22P02', NULL, '''055'' is rejected (a zero score)');
SELECT throws_ok($$SELECT '5a5'::gm.rfm$$, '22P02', NULL, '''5a5'' is rejected');
SELECT throws_ok($$SELECT '5555'::gm.rfm$$, '22P02', NULL, '''5555'' is rejected (four digits)');
SELECT throws_ok($$SELECT ''::gm.rfm$$, '22P02', NULL, 'the empty string is rejected');
SELECT throws_ok($$SELECT '565'::gm.rfm$$, '22P02', NULL, 'a 6 score is rejected');
SELECT throws_ok($$SELECT 505::gm.rfm$$, '22003', NULL, 'integer 505 is not an RFM code');
SELECT throws_ok($$SELECT (-111)::gm.rfm$$, '22003', NULL, 'a negative integer is not an RFM code');
SELECT is((SELECT array_agg(c::gm.rfm::int ORDER BY c) FROM generate_series(111, 555) c
           WHERE c % 10 BETWEEN 1 AND 5 AND c / 10 % 10 BETWEEN 1 AND 5),
          (SELECT array_agg(r * 100 + f * 10 + m ORDER BY r, f, m) FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m),
          'all 125 codes cast to gm.rfm and back');
SELECT is((SELECT count(*)::int FROM generate_series(111, 555) c, LATERAL (SELECT c::text::gm.rfm::text = c::text AS ok) x WHERE
           c % 10 BETWEEN 1 AND 5 AND c / 10 % 10 BETWEEN 1 AND 5 AND ok), 125, 'all 125 text forms round-trip');

-- binary send/recv through COPY BINARY --------------------------------------------------------
CREATE TABLE t_bin (s gm.rfm, b gm.rfm_breaks);
INSERT INTO t_bin VALUES ('545', 'r=[1,2.5,3,400] f=[1,1,1,2] m=[1e-7,0.1,0.2,1e10]'), ('111', 'r=[] f=[1,2,3,4] m=[5,6,7,8]');
SELECT throws_ok($$INSERT INTO t_bin VALUES ('111', 'r=[1,2,3,4] f=[1,2,3,4] m=[8,7,6,5]')$$, '22P02', NULL, 'decreasing cut points are rejected');
DO $$
DECLARE f text := '/tmp/gm_tiering_' || pg_backend_pid() || '.bin';
BEGIN
  EXECUTE format('COPY (SELECT s, b FROM t_bin WHERE b::text <> %L) TO %L (FORMAT binary)', 'x', f);
  CREATE TABLE t_bin2 (LIKE t_bin);
  EXECUTE format('COPY t_bin2 FROM %L (FORMAT binary)', f);
END $$;
SELECT is((SELECT string_agg(s::text || ' ' || b::text, '; ' ORDER BY s) FROM t_bin2),
          (SELECT string_agg(s::text || ' ' || b::text, '; ' ORDER BY s) FROM t_bin),
          'gm.rfm and gm.rfm_breaks survive a binary COPY round trip');

-- btree and hash operator classes: index scans, hash joins -------------------------------------
CREATE TABLE t_scores AS SELECT i, ((1 + i % 5) * 100 + (1 + i / 5 % 5) * 10 + (1 + i / 25 % 5))::gm.rfm AS s FROM generate_series(0, 9999) i;
CREATE INDEX ON t_scores (s);
CREATE INDEX ON t_scores USING hash (s);
ANALYZE t_scores;
SET LOCAL enable_seqscan = off;
SELECT is((SELECT count(*)::int FROM t_scores WHERE s = '345'), 80, 'equality through an index');
SELECT is((SELECT count(*)::int FROM t_scores WHERE s >= '511' AND s <= '515'), 400, 'range through the btree index');
RESET enable_seqscan;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT is((SELECT count(*)::int FROM t_scores a JOIN (SELECT DISTINCT s FROM t_scores WHERE gm.r(s) = 5) b ON a.s = b.s), 2000, 'hash join on gm.rfm');
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT is((SELECT count(DISTINCT s)::int FROM t_scores), 125, 'count(DISTINCT gm.rfm) sorts with the btree class');

-- gm.rfm_breaks equals percentile_disc: small N, heavy ties, exact-integer p*N -----------------
SELECT setseed(0.6);
CREATE TABLE t_small AS
SELECT n, k, g, floor(random() * 4)::float8 AS r, floor(random() * 3)::float8 AS f, round(random() * 1000)::float8 / 7 AS m
FROM generate_series(1, 120) n, generate_series(1, 3) k, LATERAL generate_series(1, n) g;
SELECT is((SELECT count(*)::int FROM (
    SELECT n, k FROM t_small GROUP BY n, k
    HAVING gm.rfm_cut_points(gm.rfm_breaks(r, f, m), 'r') IS DISTINCT FROM percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r)
        OR gm.rfm_cut_points(gm.rfm_breaks(r, f, m), 'f') IS DISTINCT FROM percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f)
        OR gm.rfm_cut_points(gm.rfm_breaks(r, f, m), 'm') IS DISTINCT FROM percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m)) x), 0,
    '360 groups of 1..120 customers: cut points equal percentile_disc');
SELECT is(gm.rfm_breaks(r, f, m)::text, 'r=[1,2,3,4] f=[10,20,30,40] m=[0,0,0,0]',
          'N = 5 (p*N exact integers): the 1st, 2nd, 3rd, 4th values')
FROM (SELECT i::float8 r, i * 10::float8 f, 0::float8 m FROM generate_series(1, 5) i) x;
SELECT is(gm.rfm_breaks(r, f, m)::text, 'r=[2,4,6,8] f=[2,4,6,8] m=[2,4,6,8]', 'N = 10: values 2, 4, 6, 8')
FROM (SELECT i::float8 r, i::float8 f, i::float8 m FROM generate_series(10, 1, -1) i) x;
SELECT is(gm.rfm_breaks(r, f, m)::text, 'r=[1,1,2,2] f=[1,1,2,2] m=[1,1,2,2]', 'N = 2: the first value at 20 and 40 %, the second at 60 and 80 %')
FROM (VALUES (2::float8, 2::float8, 2::float8), (1, 1, 1)) v(r, f, m);
SELECT is(gm.rfm_breaks(r, f, m)::text, 'r=[5,5,5,5] f=[3,3,3,3] m=[9.99,9.99,9.99,9.99]', 'all-equal columns: all cut points equal')
FROM (SELECT 5::float8 r, 3::float8 f, 9.99::float8 m FROM generate_series(1, 1000)) x;
SELECT is(gm.rfm_score(5, 3, 9.99, 'r=[5,5,5,5] f=[3,3,3,3] m=[9.99,9.99,9.99,9.99]')::text, '511',
          'all-equal columns: everybody scores R 5, F 1, M 1');
SELECT is(gm.rfm_breaks(r, f, m)::text, 'r=[10,20,30,40] f=[1,1,1,1] m=[1,1,1,1]', 'NULLs are ignored column by column')
FROM (VALUES (10::float8, 1::float8, NULL::float8), (20, NULL, 1), (30, 1, NULL), (40, NULL, NULL), (NULL, 1, 1), (NULL, NULL, NULL)) v(r, f, m);
SELECT ok(gm.rfm_breaks(r, f, m) IS NULL, 'no rows: NULL') FROM (SELECT 1::float8 r, 1::float8 f, 1::float8 m WHERE false) x;

-- bad values (22023) --------------------------------------------------------------------------
SELECT throws_ok($$SELECT gm.rfm_breaks(r, 1, 1) FROM (VALUES (1::float8), (-0.5)) v(r)$$, '22003', NULL, 'negative recency is rejected by the aggregate');
SELECT throws_ok($$SELECT gm.rfm_breaks(1, 1, m) FROM (VALUES ('NaN'::float8)) v(m)$$, '22003', NULL, 'NaN monetary is rejected by the aggregate');
SELECT throws_ok($$SELECT gm.rfm_breaks(1, 'Infinity', 1)$$, '22003', NULL, 'infinite frequency is rejected by the aggregate');
SELECT throws_ok($$SELECT gm.rfm_score(1, -1, 1, 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]')$$, '22003', NULL, 'negative frequency is rejected by gm.rfm_score');
SELECT throws_ok($$SELECT gm.rfm_score('NaN', 1, 1, 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4]')$$, '22003', NULL, 'NaN recency is rejected by gm.rfm_score');
SELECT throws_ok($$SELECT gm.rfm_score(1, 1, 1, 'r=[1,2,3,4] f=[1,2,3,4] m=[]')$$, '22000', NULL, 'scoring against a column without cut points fails');
SELECT throws_ok($$SELECT 'r=[1,2,3,4] f=[1,2,3,4] m=[1,2,3,4] x'::gm.rfm_breaks$$, '22P02', NULL, 'trailing text in gm.rfm_breaks is rejected');
SELECT throws_ok($$SELECT 'r=[1,2,3,NaN] f=[1,2,3,4] m=[1,2,3,4]'::gm.rfm_breaks$$, '22003', NULL, 'NaN cut point is rejected with the aggregate''s SQLSTATE');
SELECT is(gm.rfm_score(-0.0, 0, 0, 'r=[0,0,0,0] f=[0,0,0,0] m=[0,0,0,0]')::text, '511', '-0 reads as 0');

-- forced parallel plans give identical breaks (map form, array form, map+map overflowing in combine)
CREATE TABLE t_par AS
SELECT i, i % 4 AS g, (i * 7919 % 366)::float8 AS r, floor(i / 20)::float8 AS f, round((i::bigint * 104729 % 1000003)::numeric / 100, 2)::float8 AS m
FROM generate_series(1, 100000) i;
ANALYZE t_par;
CREATE TEMP TABLE t_serial AS SELECT gm.rfm_breaks(r, f, m)::text AS b FROM t_par;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
-- the state-copying support functions are declared expensive so that small tables aggregate in
-- one process; cheapen them in this (rolled-back) transaction to force partial aggregation
ALTER FUNCTION gm._rfm_breaks_serial(internal) COST 1;
ALTER FUNCTION gm._rfm_breaks_deserial(bytea, internal) COST 1;
ALTER FUNCTION gm._rfm_breaks_combine(internal, internal) COST 1;
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN FOR l IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP; RETURN r; END $$;
SELECT matches(pg_temp.plan_of('SELECT gm.rfm_breaks(r, f, m) FROM t_par'), 'Partial Aggregate', 'the forced plan aggregates in parallel workers');
SELECT is((SELECT gm.rfm_breaks(r, f, m)::text FROM t_par), (SELECT b FROM t_serial), 'parallel breaks equal serial breaks');
SELECT is((SELECT gm.rfm_breaks(r, f, m)::text FROM t_par),
          (SELECT format('r=[%s] f=[%s] m=[%s]',
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m), ',')) FROM t_par),
          'parallel breaks equal percentile_disc over 100,000 rows');
SELECT is((SELECT gm.rfm_breaks(r, f, m)::text FROM t_par WHERE i % 3 <> 0 OR f IS NULL),
          (SELECT format('r=[%s] f=[%s] m=[%s]',
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m), ',')) FROM t_par WHERE i % 3 <> 0),
          'parallel breaks over a filtered subset equal percentile_disc');
-- grouped: with free tuple transfer the planner gathers the rows and groups in the leader; make
-- transfer dear so that the groups are aggregated partially in the workers
SET LOCAL parallel_tuple_cost = 1;
SELECT matches(pg_temp.plan_of('SELECT g, gm.rfm_breaks(r, f, m) FROM t_par GROUP BY g'), 'Partial (Hash|Group)?Aggregate',
               'the forced grouped plan aggregates in parallel workers');
SELECT is((SELECT string_agg(g || ': ' || b, '; ' ORDER BY g) FROM (SELECT g, gm.rfm_breaks(r, f, m)::text b FROM t_par GROUP BY g) y),
          (SELECT string_agg(g || ': ' || b, '; ' ORDER BY g) FROM (SELECT g, format('r=[%s] f=[%s] m=[%s]',
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f), ','),
                  array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m), ',')) b
                 FROM t_par GROUP BY g) z),
          'grouped parallel breaks equal percentile_disc in every group');
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- scores equal the percentile_disc reference; equal values always share a score ------------------
SELECT is((SELECT count(*)::int FROM t_par c,
             (SELECT percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r) rb, percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f) fb,
                     percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m) mb FROM t_par) b,
             (SELECT gm.rfm_breaks(r, f, m) br FROM t_par) g
           WHERE gm.rfm_score(c.r, c.f, c.m, g.br)::text <>
                 (5 - (SELECT count(*) FROM unnest(b.rb) x WHERE x < c.r))::text || (1 + (SELECT count(*) FROM unnest(b.fb) x WHERE x < c.f))::text
                 || (1 + (SELECT count(*) FROM unnest(b.mb) x WHERE x < c.m))::text), 0,
          'every score of 100,000 customers equals the percentile_disc reference');
SELECT is((SELECT count(*)::int FROM (SELECT r FROM t_par, (SELECT gm.rfm_breaks(r, f, m) br FROM t_par) g
                                      GROUP BY r HAVING count(DISTINCT gm.r(gm.rfm_score(r, 0, 0, g.br))) > 1) x), 0,
          'customers with equal recency always share the R score');
SELECT is((SELECT string_agg(s::text, ',' ORDER BY v) FROM (SELECT v, gm.rfm_score(v, v, v, 'r=[10,20,30,40] f=[10,20,30,40] m=[10,20,30,40]') s
           FROM unnest('{0,10,10.5,20,30,39.99,40,40.01,1000}'::float8[]) v) x),
          '511,511,422,422,333,244,244,155,155', 'scores at and around the cut points: a value equal to a cut point is not above it');

-- segment map: every one of the 11 segments is reachable; the R package's example cells ----------------
SELECT is((SELECT count(DISTINCT gm.rfm_segment(c::gm.rfm))::int FROM (SELECT r * 100 + f * 10 + m c FROM generate_series(1, 5) r, generate_series(1, 5) f, generate_series(1, 5) m) x),
          11, 'all 10 segments and Others are reachable');
SELECT is((SELECT string_agg(gm.rfm_segment(s), ', ' ORDER BY o) FROM unnest('{555,353,411,311,312,222,211,155,124,111,115}'::gm.rfm[]) WITH ORDINALITY u(s, o)),
          'Champions, Loyal Customers, New Customers, Promising, Potential Loyalist, Need Attention, About To Sleep, Can''t Lose Them, At Risk, Lost, Others',
          'one cell of each segment');

-- thresholds are parameters of gm.parameter: edits apply at once, in other sessions after commit -----
SELECT throws_ok($$DELETE FROM gm.parameter WHERE name = 'lifecycle_new_days'$$, '55000', NULL, 'a shipped threshold cannot be deleted');
SELECT throws_ok($$SELECT gm.lifecycle('2026-11-21', NULL, NULL, false, false, '2026-11-20')$$, '22000', NULL, 'a first order after as_of is rejected');
SELECT throws_ok($$SELECT gm.lifecycle('2026-01-01', '-infinity', NULL, false, false, '2026-11-20')$$, '22008', NULL, 'an infinite date is rejected');
UPDATE gm.parameter SET value = -3 WHERE name = 'lifecycle_new_days';
SELECT throws_ok($$SELECT gm.lifecycle('2026-01-01', NULL, NULL, false, false, '2026-11-20')$$, '22003', 'parameter "lifecycle_new_days" must be a whole number >= 0, not -3', 'negative thresholds are rejected');
UPDATE gm.parameter SET value = 30.5 WHERE name = 'lifecycle_new_days';
SELECT throws_ok($$SELECT gm.lifecycle('2026-01-01', NULL, NULL, false, false, '2026-11-20')$$, '22003', NULL, 'a day count that is not a whole number is reported');
UPDATE gm.parameter SET value = 30 WHERE name = 'lifecycle_new_days';
SELECT is(gm.lifecycle('2026-11-01', NULL, NULL, false, false, '2026-11-20')::text, 'new', 'after the failed rebuild the cache is rebuilt from the corrected row');
-- any role may call the functions that read gm.parameter (no table privilege needed); the
-- UPDATE that changes nothing still invalidates the cache, so the role's call rebuilds it
CREATE ROLE gmt_tier_reader;
CREATE FUNCTION pg_temp.as_role(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    PERFORM pg_catalog.set_config('role', r, true);
    EXECUTE q INTO v;
    PERFORM pg_catalog.set_config('role', 'none', true);
    RETURN v;
END $$;
UPDATE gm.parameter SET value = value WHERE false;
SELECT is(pg_temp.as_role('gmt_tier_reader', $$SELECT gm.lifecycle('2026-11-01', NULL, NULL, false, false, '2026-11-20')::text$$),
          'new', 'a role without table privileges gets the lifecycle class (cache rebuilt under that role)');
UPDATE gm.parameter SET value = value WHERE false;
SELECT is(pg_temp.as_role('gmt_tier_reader', $$SELECT gm.value_tier('534')::text$$),
          'high', 'a role without table privileges gets the value tier (cache rebuilt under that role)');
SELECT throws_ok($$SELECT gm.ltv(100, -1, 0)$$, '22003', NULL, 'negative expected years are rejected');
SELECT throws_ok($$SELECT gm.churn_rate(5, 6)$$, '22003', NULL, 'more churned customers than customers is rejected');
SELECT throws_ok($$SELECT gm.arpu('NaN', 6)$$, '22003', NULL, 'NaN revenue is rejected');
SELECT throws_ok($$SELECT gm._rfm_means_final('{1,2}')$$, '22000', NULL, 'the final function of gm.rfm_means called on a malformed state: 22000');

SELECT * FROM finish();
ROLLBACK;
