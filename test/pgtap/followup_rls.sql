-- follow-up: work orders, their history and work logs are grid-scoped exactly like customers of
-- a secured table (issue 17): grid member -> their grid, region manager -> the grids below the
-- region, gm_admin -> all, outsider -> nothing; proven per role on the tables, the views and
-- through the SECURITY DEFINER API.  Everything (roles included) is rolled back at the end.
BEGIN;
SELECT plan(34);
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.as_role(r name, q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
    PERFORM pg_catalog.set_config('role', r, true);
    EXECUTE q INTO v;
    PERFORM pg_catalog.set_config('role', 'none', true);
    RETURN v;
END $$;

-- R1 > A, R1 > B, R2 > C
INSERT INTO gm.grid(code, name, kind) VALUES ('W-R1', 'region 1', 'logical'), ('W-R2', 'region 2', 'logical');
INSERT INTO gm.grid(code, name, kind, parent_id) SELECT c, c, 'logical', (SELECT grid_id FROM gm.grid WHERE code = p)
FROM (VALUES ('W-A', 'W-R1'), ('W-B', 'W-R1'), ('W-C', 'W-R2')) v(c, p);
CREATE FUNCTION pg_temp.g(c text) RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT grid_id FROM gm.grid WHERE code = c $$;

CREATE ROLE gmt_wo_mkt_a;     -- marketer of A
CREATE ROLE gmt_wo_mgr_r1;    -- manager of region R1 (A and B)
CREATE ROLE gmt_wo_outsider;  -- no membership
CREATE ROLE gmt_wo_boss;      -- member of gm_admin
GRANT gm_admin TO gmt_wo_boss;
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES
    (pg_temp.g('W-A'), 'gmt_wo_mkt_a', 'marketer'),
    (pg_temp.g('W-R1'), 'gmt_wo_mgr_r1', 'manager');
GRANT EXECUTE ON FUNCTION gm.open_followup(text, bigint, text, text, timestamptz, text), gm.respond(bigint, text, timestamptz), gm.cancel(bigint, text, timestamptz),
                          gm.submit_work_log(bigint, date, text)
   TO gmt_wo_mkt_a, gmt_wo_mgr_r1, gmt_wo_outsider, gmt_wo_boss;

-- 3 orders in A, 2 in B, 1 in C, 1 without grid (opened by the owner)
SELECT gm.open_followup('wa' || i, pg_temp.g('W-A'), 'visit') FROM generate_series(1, 3) i \g /dev/null
SELECT gm.open_followup('wb' || i, pg_temp.g('W-B'), 'visit') FROM generate_series(1, 2) i \g /dev/null
SELECT gm.open_followup('wc1', pg_temp.g('W-C'), 'visit') \g /dev/null
SELECT gm.open_followup('wn1', NULL::bigint, 'visit') \g /dev/null
INSERT INTO gm.work_log(role_name, grid_id, day, content) VALUES
    ('gmt_wo_mkt_a', pg_temp.g('W-A'), '2026-03-02', 'a'), ('x', pg_temp.g('W-C'), '2026-03-02', 'c');

CREATE FUNCTION pg_temp.seen(r name, tbl text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.as_role(r, format('SELECT string_agg(DISTINCT customer_key, '','' ORDER BY customer_key) FROM %s
                                       WHERE customer_key LIKE ''w__''', tbl)) $$;

-- ---------------------------------------------------------------- the tables
SELECT is(pg_temp.seen('gmt_wo_mkt_a', 'gm.followup'), 'wa1,wa2,wa3', 'grid member: the orders of their grid');
SELECT is(pg_temp.seen('gmt_wo_mgr_r1', 'gm.followup'), 'wa1,wa2,wa3,wb1,wb2', 'region manager: the orders of every grid of the region');
SELECT is(pg_temp.seen('gmt_wo_outsider', 'gm.followup'), NULL, 'outsider: no order');
SELECT is(pg_temp.seen('gmt_wo_boss', 'gm.followup'), 'wa1,wa2,wa3,wb1,wb2,wc1,wn1', 'gm_admin: every order, those without grid included');
SELECT is(pg_temp.as_role('gmt_wo_mkt_a', $$SELECT count(*) FROM gm.followup_history h
          JOIN gm.followup f USING (followup_id) WHERE f.customer_key LIKE 'w__'$$),
          (SELECT count(*)::text FROM gm.followup_history h JOIN gm.followup f USING (followup_id) WHERE f.customer_key LIKE 'wa_'),
          'grid member: the history of their grid''s orders only');
SELECT is(pg_temp.as_role('gmt_wo_outsider', $$SELECT count(*) FROM gm.followup_history$$), '0', 'outsider: no history');
SELECT is(pg_temp.as_role('gmt_wo_mkt_a', $$SELECT string_agg(content, ',' ORDER BY content) FROM gm.work_log$$), 'a', 'grid member: the work logs of their grid');
SELECT is(pg_temp.as_role('gmt_wo_outsider', $$SELECT count(*) FROM gm.work_log$$), '0', 'outsider: no work log');
SELECT is(pg_temp.as_role('gmt_wo_mgr_r1', $$SELECT count(*) FROM gm.work_log$$), '1', 'region manager: the logs of the region''s grids');

-- ---------------------------------------------------------------- the views read as the caller
SELECT is(pg_temp.seen('gmt_wo_mkt_a', 'gm.followup_status'), 'wa1,wa2,wa3', 'gm.followup_status: grid member sees their grid');
SELECT is(pg_temp.seen('gmt_wo_outsider', 'gm.followup_status'), NULL, 'gm.followup_status: outsider sees nothing');
SELECT is(pg_temp.seen('gmt_wo_mgr_r1', 'gm.followup_status'), 'wa1,wa2,wa3,wb1,wb2', 'gm.followup_status: region manager sees the region');
SELECT is(pg_temp.seen('gmt_wo_boss', 'gm.followup_unrouted'), 'wb1,wb2,wc1,wn1', 'gm.followup_unrouted: gm_admin sees every unrouted order, without grid too');
SELECT is(pg_temp.seen('gmt_wo_mkt_a', 'gm.followup_unrouted'), NULL, 'gm.followup_unrouted: a grid member does not');
SELECT is(pg_temp.as_role('gmt_wo_outsider', $$SELECT count(*) FROM gm.followup_kpi$$), '0', 'gm.followup_kpi: outsider counts nothing');

-- ---------------------------------------------------------------- writes only through the API
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', 'UPDATE gm.followup SET note = ''x'' RETURNING 1')$$, '42501', NULL,
                 'no direct UPDATE of work orders');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', 'DELETE FROM gm.followup_history RETURNING 1')$$, '42501', NULL,
                 'no direct DELETE of history');

-- ---------------------------------------------------------------- the SECURITY DEFINER API checks the same scope
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', format('SELECT gm.open_followup(%L, %s::bigint, %L)', 'wa9', pg_temp.g('W-A'), 'visit'))$$,
                'grid member opens an order in their grid');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', format('SELECT gm.open_followup(%L, %s::bigint, %L)', 'wb9', pg_temp.g('W-B'), 'visit'))$$,
                 '42501', NULL, 'grid member cannot open an order in another grid');
SELECT is((SELECT count(*)::int FROM gm.followup WHERE customer_key = 'wb9'), 0, 'and no order was written');
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_wo_mgr_r1', format('SELECT gm.open_followup(%L, %s::bigint, %L)', 'wb8', pg_temp.g('W-B'), 'visit'))$$,
                'region manager opens an order in a grid of the region');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mgr_r1', format('SELECT gm.open_followup(%L, %s::bigint, %L)', 'wc9', pg_temp.g('W-C'), 'visit'))$$,
                 '42501', NULL, 'region manager cannot open an order outside the region');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_outsider', format('SELECT gm.open_followup(%L, %s::bigint, %L)', 'wa8', pg_temp.g('W-A'), 'visit'))$$,
                 '42501', NULL, 'outsider cannot open an order in a grid');
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_wo_outsider', format('SELECT gm.open_followup(%L, NULL::bigint, %L)', 'wn8', 'visit'))$$,
                'anyone may file an order without grid (the unrouted queue)');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_outsider', format('SELECT gm.respond(%s)', (SELECT followup_id FROM gm.followup WHERE customer_key = 'wa1')))$$,
                 '42501', NULL, 'outsider cannot move an order of grid A');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', format('SELECT gm.respond(%s)', (SELECT followup_id FROM gm.followup WHERE customer_key = 'wc1')))$$,
                 '42501', NULL, 'grid member cannot move an order of another grid');
SELECT is((SELECT state::text FROM gm.followup WHERE customer_key = 'wc1'), 'new', 'and the order did not move');
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_wo_mgr_r1', format('SELECT gm.cancel(%s)', (SELECT followup_id FROM gm.followup WHERE customer_key = 'wb1')))$$,
                'region manager moves an order of a grid in the region');
SELECT lives_ok($$SELECT pg_temp.as_role('gmt_wo_boss', format('SELECT gm.cancel(%s)', (SELECT followup_id FROM gm.followup WHERE customer_key = 'wc1')))$$,
                'gm_admin moves any order');
SELECT is((SELECT by_role FROM gm.followup_history h JOIN gm.followup f USING (followup_id)
            WHERE f.customer_key = 'wc1' AND h.to_state = 'cancelled'), session_user,
          'the history names the login (session user), not a role taken with SET ROLE');

-- ---------------------------------------------------------------- the acting person
SELECT throws_ok($$SET grid_marketing.actor = 'someone'$$, '42501', NULL, 'SET grid_marketing.actor is refused (42501)');
SELECT throws_ok($$SELECT set_config('grid_marketing.actor', 'someone', true)$$, '42501', NULL, 'set_config of the actor is refused (42501)');
SELECT throws_ok($$SET gm.actor = 'someone'$$, '42501', NULL, 'the legacy setting gm.actor is refused (42501)');
SELECT throws_ok($$SELECT pg_temp.as_role('gmt_wo_mkt_a', 'SELECT gm.set_actor(''alice'')')$$, '42501', NULL,
                 'a role without gm_app cannot call gm.set_actor');

SELECT * FROM finish();
ROLLBACK;
