-- follow-up work orders: the full transition table, routing across membership periods and
-- missing members, escalation at its boundaries, deadlines seen at query time, complaints,
-- cadence planning, KPIs, work logs, bad input
BEGIN;
SELECT plan(223);
SET LOCAL timezone = 'Asia/Shanghai';

-- a small grid tree: top T -> region R -> grids G1 (full team), G2 (a marketer, no manager), G3 (nobody)
INSERT INTO gm.grid(grid_id, code, name, parent_id, kind) VALUES
    (9001, 'T', 'top', NULL, 'logical'), (9002, 'R', 'region', 9001, 'logical'),
    (9003, 'G1', 'grid one', 9002, 'logical'), (9004, 'G2', 'grid two', 9002, 'logical'), (9005, 'G3', 'grid three', 9002, 'logical');
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from, valid_to) VALUES
    (9001, 'mgr_t',   'manager',   '-infinity', 'infinity'),
    (9002, 'mgr_r',   'manager',   '-infinity', 'infinity'),
    (9003, 'mgr_g1',  'manager',   '2026-01-01', '2026-07-01'),
    (9003, 'mgr_g1b', 'manager',   '2026-07-01', 'infinity'),
    (9003, 'mkt_a',   'marketer',  '2026-01-01', '2026-06-01'),
    (9003, 'mkt_b',   'marketer',  '2026-06-01', 'infinity'),
    (9003, 'inst_g1', 'installer', '2026-01-01', 'infinity'),
    (9004, 'mkt_g2',  'marketer',  '-infinity', 'infinity');

-- a longer / the original deadline of complaints (the SLA policy when the calendar section has it)
CREATE FUNCTION pg_temp.sla_longer() RETURNS void LANGUAGE sql AS $$
    SELECT gm.set_sla_policy('complaint_response', '*', 'working_days', '4 days') $$;
CREATE FUNCTION pg_temp.sla_restore() RETURNS void LANGUAGE sql AS $$
    SELECT gm.set_sla_policy('complaint_response', '*', 'working_days', '2 days') $$;

-- 1. the transition table -------------------------------------------------------------------------
CREATE TEMP TABLE expected_transition(f text, t text);
INSERT INTO expected_transition VALUES
    ('new','dispatched'), ('new','cancelled'), ('dispatched','responded'), ('dispatched','cancelled'),
    ('responded','resolved'), ('responded','cancelled'), ('resolved','verified'), ('resolved','cancelled'),
    ('resolved','reopened'), ('verified','closed'), ('verified','cancelled'), ('verified','reopened'),
    ('closed','reopened'), ('cancelled','reopened'), ('reopened','dispatched'), ('reopened','cancelled');

-- drive a fresh order into a state through the API
CREATE FUNCTION pg_temp.order_in(s text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint := gm.open_followup('tt-' || s, NULL::bigint, 'visit', 'standard', '2026-03-02 09:00+08');
BEGIN
    IF s = 'new' THEN RETURN id; END IF;
    IF s = 'cancelled' THEN PERFORM gm.cancel(id); RETURN id; END IF;
    PERFORM gm.dispatch(id, 'someone');                 IF s = 'dispatched' THEN RETURN id; END IF;
    PERFORM gm.respond(id);                             IF s = 'responded' THEN RETURN id; END IF;
    PERFORM gm.resolve(id, 'done');                     IF s = 'resolved' THEN RETURN id; END IF;
    PERFORM gm.verify(id, 5);                           IF s = 'verified' THEN RETURN id; END IF;
    PERFORM gm.close(id);                               IF s = 'closed' THEN RETURN id; END IF;
    PERFORM gm.reopen(id);                              RETURN id;   -- reopened
END $$;
CREATE FUNCTION pg_temp.try_move(id bigint, t text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    CASE t
        WHEN 'dispatched' THEN PERFORM gm.dispatch(id, 'someone');
        WHEN 'responded'  THEN PERFORM gm.respond(id);
        WHEN 'resolved'   THEN PERFORM gm.resolve(id);
        WHEN 'verified'   THEN PERFORM gm.verify(id);
        WHEN 'closed'     THEN PERFORM gm.close(id);
        WHEN 'cancelled'  THEN PERFORM gm.cancel(id);
        WHEN 'reopened'   THEN PERFORM gm.reopen(id);
    END CASE;
    RETURN 'ok ' || (SELECT state FROM gm.followup WHERE followup_id = id);
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;
CREATE TEMP TABLE tried AS
SELECT f.f, t.t, pg_temp.try_move(pg_temp.order_in(f.f), t.t) AS outcome
FROM unnest(enum_range(NULL::gm.followup_state)::text[]) f(f),
     unnest(enum_range(NULL::gm.followup_state)::text[]) t(t)
WHERE t.t <> 'new';

-- every allowed pair moves to the target, every refused pair fails with 55000 naming both states
SELECT is(outcome,
          CASE WHEN EXISTS (SELECT 1 FROM expected_transition e WHERE e.f = x.f AND e.t = x.t) THEN 'ok ' || x.t
               ELSE format('55000 follow-up %s cannot go from state "%s" to "%s"',
                           substring(outcome from 'follow-up (\d+)'), x.f, x.t) END,
          format('transition %s -> %s', x.f, x.t))
FROM tried x ORDER BY x.f, x.t;
-- and the C table agrees on all 64 pairs (nothing goes back to new)
SELECT set_eq('SELECT from_state::text, to_state::text FROM gm.followup_transition',
              'SELECT f, t FROM expected_transition', 'gm.followup_transition lists exactly the allowed pairs');
SELECT is((SELECT count(*)::int FROM unnest(enum_range(NULL::gm.followup_state)) a(s1), unnest(enum_range(NULL::gm.followup_state)) b(s2)
           WHERE gm.followup_transition_allowed(s1, s2) <> EXISTS (SELECT 1 FROM expected_transition e WHERE e.f = s1::text AND e.t = s2::text)),
          0, 'gm.followup_transition_allowed agrees with the expected table on all 64 pairs');
SELECT ok(NOT gm.followup_transition_allowed(s, 'new'), 'nothing goes back to new from ' || s)
FROM unnest(enum_range(NULL::gm.followup_state)) s;
-- the history kept every change of one order, in order
CREATE TEMP TABLE reo AS SELECT pg_temp.order_in('reopened') AS id;
SELECT is((SELECT string_agg(coalesce(from_state::text, '-') || '>' || to_state, ' ' ORDER BY history_id)
           FROM gm.followup_history WHERE followup_id = (SELECT id FROM reo)),
          '->new new>dispatched dispatched>responded responded>resolved resolved>verified verified>closed closed>reopened',
          'the history keeps every state change');
SELECT throws_ok('UPDATE gm.followup_history SET note = $$x$$', '42501', NULL, 'the history refuses UPDATE');
SELECT throws_ok('DELETE FROM gm.followup_history', '42501', NULL, 'the history refuses DELETE');
-- reopen restarts the clock and clears the later times
SELECT ok((SELECT reopened_at IS NOT NULL AND responded_at IS NULL AND closed_at IS NULL FROM gm.followup
           WHERE followup_id = (SELECT id FROM reo)), 'reopen clears response..close times and records reopened_at');

CREATE FUNCTION pg_temp.routed(k text, g bigint, e text, at timestamptz) RETURNS text LANGUAGE plpgsql AS $$
DECLARE id bigint := gm.open_followup(k, g, e, 'standard', at);
BEGIN
    RETURN (SELECT coalesce(assignee::text, '-') || '/' || coalesce(assignee_duty, '-') || '/' || state FROM gm.followup WHERE followup_id = id);
END $$;
CREATE FUNCTION pg_temp.open_loc() RETURNS bigint LANGUAGE sql AS $$
    SELECT gm.open_followup('loc', ST_SetSRID(ST_MakePoint(-179, -89), 4326), 'visit') $$;
CREATE FUNCTION pg_temp.repeat_of(k text, at timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE id bigint := gm.open_followup(k, 9003, 'complaint', 'standard', at);
BEGIN RETURN (SELECT repeat_of FROM gm.followup WHERE followup_id = id); END $$;
-- 2. routing ---------------------------------------------------------------------------------------
SELECT is(pg_temp.routed('c1', 9003, 'visit', '2026-03-02 10:00+08'),
          'mkt_a/marketer/dispatched', 'a visit in March goes to the marketer of March');
SELECT is(pg_temp.routed('c1', 9003, 'visit', '2026-08-03 10:00+08'),
          'mkt_b/marketer/dispatched', 'a visit in August goes to the marketer of August');
SELECT is(pg_temp.routed('c1', 9003, 'visit', '2026-06-01 00:00+08'),
          'mkt_b/marketer/dispatched', 'on the first day of a membership the new member gets it');
SELECT is(pg_temp.routed('c1', 9003, 'visit', '2026-05-31 23:59:59+08'),
          'mkt_a/marketer/dispatched', 'on the last day of a membership the old member gets it (local day)');
SELECT is(pg_temp.routed('c1', 9003, 'complaint', '2026-03-02 10:00+08'),
          'mgr_g1/manager/dispatched', 'a complaint goes to the grid manager of the day');
SELECT is(pg_temp.routed('c1', 9003, 'churn_intervention', '2026-08-03 10:00+08'),
          'mgr_g1b/manager/dispatched', 'churn goes to the manager of the day');
SELECT is(pg_temp.routed('c1', 9003, 'install', '2026-08-03 10:00+08'),
          'inst_g1/installer/dispatched', 'an install goes to the installer');
SELECT is(pg_temp.routed('c1', 9003, 'visit', '2025-12-01 10:00+08'),
          '-/-/new', 'before anyone joined G1 a visit stays unrouted');
SELECT is(pg_temp.routed('c2', 9004, 'install', '2026-03-02 10:00+08'),
          '-/-/new', 'G2: no installer and no manager: unrouted');
SELECT is((SELECT state::text FROM gm.followup WHERE customer_key = 'c2'), 'new', 'an unrouted order stays new');
SELECT is((SELECT reason FROM gm.followup_unrouted WHERE customer_key = 'c2'), 'no fitting member and no grid manager',
          'and is reported in gm.followup_unrouted');
DO $$ BEGIN PERFORM pg_temp.routed('c3', NULL::bigint, 'visit', '2026-03-02 10:00+08'); END $$;
SELECT is((SELECT reason FROM gm.followup_unrouted WHERE customer_key = 'c3'),
          'no grid', 'an order without grid is reported with reason no grid');
SELECT is(pg_temp.routed('c2', 9004, 'visit', '2026-03-02 10:00+08'),
          'mkt_g2/marketer/dispatched', 'G2 visits go to its marketer');
SELECT is(pg_temp.routed('c4', 9003, 'needs_discovery', '2026-03-02 10:00+08'),
          'mkt_a/marketer/dispatched', 'a no-manager fallback is not needed when a member fits');
-- a grid whose only fitting member is missing falls back to the manager
UPDATE gm.followup_event SET duty = 'installer' WHERE event = 'arrears';
SELECT is(pg_temp.routed('c5', 9003, 'arrears', '2025-12-01 10:00+08'),
          '-/-/new', 'no member and no manager in December 2025');
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from, valid_to) VALUES (9005, 'mgr_g3', 'manager', '2026-01-01', 'infinity');
SELECT is(pg_temp.routed('c5', 9005, 'arrears', '2026-03-02 10:00+08'),
          'mgr_g3/manager/dispatched', 'no fitting member: the grid manager');
-- several fitting members: always the same one for a customer
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (9004, 'mkt_g2b', 'marketer'), (9004, 'mkt_g2c', 'marketer');
SELECT is((SELECT count(DISTINCT pg_temp.routed('same', 9004, 'visit', '2026-03-02 10:00+08'))::int FROM generate_series(1, 5) k),
          1, 'one customer keeps one marketer among several');
SELECT ok((SELECT count(DISTINCT (gm.followup_route(9004, 'visit', 'cust' || k, '2026-03-02')).assignee) FROM generate_series(1, 60) k) = 3,
          'different customers are spread over the three marketers');
-- a location through gm.assign_grid
SELECT pg_temp.open_loc() AS loc_id \gset
SELECT is((SELECT coalesce(f.grid_id::text, '-') || '/' || f.state FROM gm.followup f WHERE f.followup_id = :loc_id), '-/new',
          'a location outside every grid gives an unrouted order without grid');

-- re-routing after team changes
UPDATE gm.grid_member SET valid_to = '2026-09-01' WHERE role_name = 'mkt_b';
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) VALUES (9003, 'mkt_c', 'marketer', '2026-09-01');
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) VALUES (9004, 'mgr_g2', 'manager', '2026-01-01');
SELECT is(gm.reroute_followups(9003, '2026-09-02 09:00+08') > 0, true, 're-routing G1 changes open orders');
SELECT is((SELECT count(*)::int FROM gm.followup WHERE grid_id = 9003 AND event = 'visit' AND state IN ('dispatched', 'responded')
           AND assignee IS DISTINCT FROM 'mkt_c'), 0, 'every open G1 visit now goes to mkt_c');
SELECT ok((SELECT count(*) FROM gm.followup_history WHERE note LIKE 're-routed from mkt_b to mkt_c%') > 0, 'the history records the re-routing');
SELECT is((SELECT state || '/' || assignee FROM gm.followup WHERE customer_key = 'c1' AND event = 'visit' AND opened_at = '2025-12-01 10:00+08'),
          'dispatched/mkt_c', 'the unrouted December order is dispatched by re-routing');
SELECT is(gm.reroute_followups(9004, '2026-09-02 09:00+08') >= 1, true, 'the new G2 manager picks up the unrouted install');
SELECT is((SELECT state || '/' || assignee FROM gm.followup WHERE customer_key = 'c2' AND event = 'install'),
          'dispatched/mgr_g2', 'the G2 install went to the new manager');
SELECT is(gm.reroute_followups(9004, '2026-09-02 09:00+08'), 0, 're-routing again changes nothing');

-- 3. escalation levels at their boundaries (the C function) ----------------------------------------
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-02 10:00+08', '48 hours'), 0, 'at due: level 0');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-02 10:00:00.000001+08', '48 hours'), 1, '1 µs late: level 1');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-04 09:59:59.999999+08', '48 hours'), 1, 'a step minus 1 µs late: level 1');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-04 10:00+08', '48 hours'), 2, 'one step late: level 2');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-06 09:59:59.999999+08', '48 hours'), 2, 'two steps minus 1 µs: level 2');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-06 10:00+08', '48 hours'), 3, 'two steps late: level 3');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2027-03-06 10:00+08', '48 hours'), 3, 'a year late: capped at 3');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-06 10:00+08', '48 hours', 2), 2, 'capped at the given top');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-01 10:00+08', '48 hours'), 0, 'early: level 0');
SELECT is(gm.escalation_level('2026-03-02 10:00+08', '2026-03-04 10:00+08', '2 days'), 2, 'a day of the step is 24 h');
SELECT is(gm.escalation_level('-infinity', 'infinity', '1 hour'), 3, 'infinite lateness: top');
SELECT is(gm.escalation_level('infinity', 'infinity', '1 hour'), 0, 'never due: level 0');
SELECT is(gm.escalation_level('4713-01-01 BC', '294275-01-01', '1 microsecond'), 3, 'no overflow on extreme timestamps');
SELECT throws_ok($$SELECT gm.escalation_level(now(), now(), '0 hours')$$, '22003', NULL, 'a zero step is refused');
SELECT throws_ok($$SELECT gm.escalation_level(now(), now(), '-1 hours')$$, '22003', NULL, 'a negative step is refused');
SELECT is(gm.escalation_level(NULL, now(), '1 hour'), NULL, 'NULL due: NULL');
-- the C light equals the calendar section's gm.followup_light, also at its edges and on NULLs
SELECT is((SELECT count(*)::int FROM (
              SELECT a, a + d1 AS b, a + d2 AS c, w
              FROM (SELECT timestamptz '2026-03-02 10:00+08' + random() * interval '30 days' AS a,
                           random() * interval '5 days' AS d1, random() * interval '8 days' - interval '1 day' AS d2,
                           (ARRAY[0.5, 0.75, 1, NULL])[1 + floor(random() * 4)::int]::numeric AS w
                    FROM generate_series(1, 3000)) r
              UNION ALL SELECT '2026-03-02 10:00+08', '2026-03-03 10:00+08', x, w
              FROM unnest(ARRAY['2026-03-02 10:00+08', '2026-03-02 22:00+08', '2026-03-02 21:59:59.999999+08', '2026-03-02 16:00+08',
                                '2026-03-03 10:00+08', '2026-03-03 10:00:00.000001+08', NULL]::timestamptz[]) x,
                   unnest(ARRAY[0.5, 0.75, 1, NULL]::numeric[]) w
              UNION ALL SELECT NULL, now(), now(), 0.5 UNION ALL SELECT now(), NULL, now(), 0.5
              UNION ALL SELECT now(), now(), now(), 0.5 UNION ALL SELECT now(), now() - interval '1 hour', now() - interval '2 hours', 0.5) t
           WHERE gm._followup_light(a, b, c, w::float8) IS DISTINCT FROM gm.followup_light(a, b, c, w)), 0,
          'gm._followup_light (C) equals gm.followup_light on 3000 random and 30 edge cases');
-- escalation targets up the tree
SELECT is(gm.followup_escalation_target(9003, 1, '2026-03-02'), 'mgr_g1', 'level 1: the grid manager of the day');
SELECT is(gm.followup_escalation_target(9003, 1, '2026-08-02'), 'mgr_g1b', 'level 1 later: the new grid manager');
SELECT is(gm.followup_escalation_target(9003, 2, '2026-03-02'), 'mgr_r', 'level 2: the region manager');
SELECT is(gm.followup_escalation_target(9003, 3, '2026-03-02'), 'mgr_t', 'level 3: the manager at the top of the tree');
SELECT is(gm.followup_escalation_target(9003, 0, '2026-03-02'), NULL, 'level 0: nobody');
UPDATE gm.followup_setting SET top_role = 'vp_sales';
SELECT is(gm.followup_escalation_target(9003, 3, '2026-03-02'), 'vp_sales', 'level 3: the configured top role');
DELETE FROM gm.grid_member WHERE role_name = 'mgr_r';
SELECT is(gm.followup_escalation_target(9003, 2, '2026-03-02'), 'mgr_t', 'no region manager: the next manager up');
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (9002, 'mgr_r', 'manager');

-- 4. due, light and escalation of orders at query time -----------------------------------------------
-- a complaint opened Monday 2026-03-02 10:00; its due is read from the view
CREATE TEMP TABLE k AS SELECT gm.open_followup('k1', 9003, 'complaint', 'standard', '2026-03-02 10:00+08') AS id;
CREATE TEMP TABLE kdue AS SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM k);
SELECT ok((SELECT due > '2026-03-02 10:00+08' FROM kdue), 'the complaint has a due time after its opening');
SELECT is((SELECT light::text || escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)),
          'red3', 'not responded long after due: red, level 3 (now is later than 2026)');
SAVEPOINT s1;
SELECT gm.respond((SELECT id FROM k), 'on time', (SELECT due FROM kdue)) \g /dev/null
SELECT is((SELECT light::text || escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)),
          'yellow0', 'responded exactly at due: in time (yellow: past the warn fraction), level 0');
ROLLBACK TO s1;
SELECT gm.respond((SELECT id FROM k), 'late', (SELECT due + interval '1 microsecond' FROM kdue)) \g /dev/null
SELECT is((SELECT light::text || escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)),
          'red1', 'responded 1 µs after due: red, level 1');
ROLLBACK TO s1;
SELECT gm.respond((SELECT id FROM k), 'late', (SELECT due + interval '48 hours' FROM kdue)) \g /dev/null
SELECT is((SELECT escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)), 2, 'responded a step late: level 2');
ROLLBACK TO s1;
SELECT gm.respond((SELECT id FROM k), 'late', (SELECT due + interval '96 hours' FROM kdue)) \g /dev/null
SELECT is((SELECT escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)), 3, 'responded two steps late: level 3');
ROLLBACK TO s1;
SELECT gm.respond((SELECT id FROM k), 'early', '2026-03-02 10:00:01+08') \g /dev/null
SELECT is((SELECT light::text || escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)),
          'green0', 'responded at once: green, level 0');
ROLLBACK TO s1;
-- the escalation view names who it escalates to
SELECT is((SELECT escalate_to::text FROM gm.followup_escalated WHERE followup_id = (SELECT id FROM k)), 'vp_sales',
          'the overdue complaint escalates to the top role');
SELECT is((SELECT count(*)::int FROM gm.followup_escalated e JOIN gm.followup f USING (followup_id) WHERE f.state NOT IN ('new', 'dispatched', 'reopened')),
          0, 'only orders not yet responded to are listed as escalating');
-- a policy change is seen by the next query
SELECT gm.set_sla_policy('complaint_response', '*', 'working_days', '2 days', 0.75, '1000 days') \g /dev/null
SELECT is((SELECT escalation_level FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)), 1,
          'a longer escalation step applies at once');
SELECT pg_temp.sla_restore() \g /dev/null
-- a deadline change (SLA policy / calendar) is seen by the next query
SELECT pg_temp.sla_longer() \g /dev/null
SELECT ok((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)) > (SELECT due FROM kdue),
          'a longer deadline applies to the next query');
SELECT pg_temp.sla_restore() \g /dev/null
SELECT is((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM k)), (SELECT due FROM kdue),
          'and restoring it restores the due time');
-- the business calendar: a complaint opened the day before National Day is due 2 working days later
CREATE TEMP TABLE nd AS SELECT gm.open_followup('nd1', 9003, 'complaint', 'standard', '2026-09-30 10:00+08') AS id;
SELECT is((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM nd)), '2026-10-09 18:00+08'::timestamptz,
          'complaint response: 2 working days on the cn calendar (1-7 October off): 9 October 18:00');
SELECT gm.set_calendar_day('cn', '2026-10-09', false, 'test closure') \g /dev/null
SELECT is((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM nd)), '2026-10-10 18:00+08'::timestamptz,
          'a calendar change is seen by the next query (9 October closed: Saturday 10 October, a make-up working day)');
SELECT gm.unset_calendar_day('cn', '2026-10-09') \g /dev/null
SELECT is((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM nd)), '2026-10-09 18:00+08'::timestamptz,
          'and undoing it restores the due time');
SELECT is((SELECT count(*)::int FROM gm.followup_status s
           WHERE s.sla_event IS NOT NULL AND s.due IS DISTINCT FROM
                 gm.followup_due(s.sla_event, s.started_at, s.tier, 'cn')
           AND (SELECT planned_due FROM gm.followup f WHERE f.followup_id = s.followup_id) IS NULL), 0,
          'the view''s due equals gm.followup_due of the calendar section for every order with an SLA policy');
SELECT ok((SELECT count(*) FROM gm.followup_status WHERE sla_event IS NOT NULL) > 10, 'and that covered many orders');
-- tier-specific policies: the tier's own row, else '*'
SELECT is((SELECT string_agg(tier || '=' || per_time, ' ' ORDER BY tier) FROM gm.followup_policy()
           WHERE event = 'visit' AND tier IN ('gold', 'high_value', 'standard')),
          'gold=15 days high_value=2 days 08:00:00 standard=3 days 12:00:00', 'visit policies by tier (per occurrence)');
SELECT gm.set_sla_policy('complaint_response', 'key', 'working_days', '1 day') \g /dev/null
SELECT is((SELECT string_agg(tier || '=' || unit || ' ' || days, ' ' ORDER BY tier) FROM gm.followup_policy()
           WHERE event = 'complaint' AND tier IN ('key', 'standard')),
          'key=working_days 1 standard=working_days 2', 'a new tier-specific policy applies to its tier only');
DELETE FROM gm.sla_policy WHERE event = 'complaint_response' AND tier = 'key';
-- across the year end: plain weeks after the last official year of cn (no error)
CREATE TEMP TABLE ye AS SELECT gm.open_followup('ye1', 9003, 'complaint', 'standard', '2026-12-30 10:00+08') AS id;
SELECT is((SELECT due FROM gm.followup_status WHERE followup_id = (SELECT id FROM ye)), '2027-01-01 18:00+08'::timestamptz,
          'a complaint of 30 December 2026 is due on 1 January 2027 (plain weeks beyond the official data)');
-- cancelled orders have no light and never escalate
SELECT gm.cancel(gm.open_followup('k2', 9003, 'complaint', 'standard', '2026-03-02 10:00+08')) \g /dev/null
SELECT is((SELECT coalesce(light::text, 'none') || escalation_level FROM gm.followup_status WHERE customer_key = 'k2'), 'none0',
          'a cancelled order has no light and level 0');

-- 5. complaints -------------------------------------------------------------------------------------
CREATE TEMP TABLE cp AS SELECT gm.open_followup('cp1', 9003, 'complaint', 'standard', '2026-03-02 10:00+08') AS id;
SELECT gm.respond(id, 'called back', '2026-03-02 11:00+08'), gm.resolve(id, 'refund', NULL, '2026-03-03 10:00+08'),
       gm.verify(id, 4, NULL, '2026-03-03 12:00+08'), gm.close(id, NULL, '2026-03-04 10:00+08') FROM cp \g /dev/null
SELECT is((SELECT event || '/' || state || '/' || opened_at || '/' || assignee FROM gm.followup WHERE parent_id = (SELECT id FROM cp)),
          'satisfaction_callback/dispatched/2026-04-03 10:00:00+08/mkt_a', 'closing a complaint creates its call-back 30 days later');
SELECT gm.reopen(id, 'customer unhappy', '2026-03-05 10:00+08'), gm.dispatch(id, NULL, NULL, '2026-03-05 10:00+08'),
       gm.respond(id, NULL, '2026-03-05 11:00+08'), gm.resolve(id, NULL, NULL, '2026-03-05 12:00+08'),
       gm.verify(id, 5, NULL, '2026-03-05 13:00+08'), gm.close(id, NULL, '2026-03-05 14:00+08') FROM cp \g /dev/null
SELECT is((SELECT count(*)::int FROM gm.followup WHERE parent_id = (SELECT id FROM cp)), 1, 'closing again creates no second call-back');
SELECT is((SELECT satisfaction FROM gm.followup WHERE followup_id = (SELECT id FROM cp)), 5::smallint, 'the satisfaction score is kept');
SELECT is(pg_temp.repeat_of('cp1', '2026-03-31 10:00+08'),
          (SELECT id FROM cp), 'a complaint 29 days later is flagged as a repeat');
SELECT is(pg_temp.repeat_of('cp1', '2026-05-15 10:00+08'),
          NULL, 'a complaint 45 days after the last one is not a repeat');
SELECT is(pg_temp.repeat_of('cp2', '2026-03-31 10:00+08'),
          NULL, 'another customer''s complaint is not a repeat');
SELECT is((SELECT complaints || '/' || repeat_complaints || '/' || repeat_rate FROM gm.complaint_stats WHERE grid_id = 9003),
          (SELECT count(*) || '/' || count(repeat_of) || '/' || round(count(repeat_of)::numeric / count(*), 4)
           FROM gm.followup WHERE grid_id = 9003 AND event = 'complaint' AND state <> 'cancelled'),
          'complaint statistics by grid count complaints and repeats');
SELECT is((SELECT mean_handling_time FROM gm.complaint_stats WHERE grid_id = 9003),
          (SELECT avg(closed_at - opened_at) FROM gm.followup WHERE grid_id = 9003 AND event = 'complaint' AND state <> 'cancelled'),
          'mean handling time is opened to closed');
SELECT throws_ok($$SELECT gm.verify(1, 9)$$, '22003', NULL, 'satisfaction outside 1-5 is refused');

-- 6. bad input -----------------------------------------------------------------------------------------
SELECT throws_ok($$SELECT gm.open_followup(NULL, 9003, 'visit')$$, '22004', 'customer_key must not be NULL', 'NULL customer: 22004');
SELECT throws_ok($$SELECT gm.open_followup('x', 9003, 'party')$$, '42704', 'unknown follow-up event "party"', 'unknown event: 42704');
SELECT throws_ok($$SELECT gm.open_followup('x', 9003, 'visit', 'platinum')$$, '42704', 'unknown customer tier "platinum"', 'unknown tier: 42704');
SELECT throws_ok($$SELECT gm.open_followup('x', 9003, NULL)$$, '22004', NULL, 'NULL event: 22004');
SELECT throws_ok($$SELECT gm.open_followup('x', 9003, 'visit', NULL)$$, '22004', NULL, 'NULL tier: 22004');
SELECT throws_ok($$SELECT gm.open_followup('x', 123456789, 'visit')$$, '42704', 'grid 123456789 does not exist', 'unknown grid: 42704');
SELECT throws_ok($$SELECT gm.respond(987654321)$$, 'P0002', 'follow-up 987654321 does not exist', 'unknown order: P0002');
SELECT throws_ok($$SELECT gm.respond(NULL)$$, '22004', NULL, 'NULL order: 22004');
SELECT throws_ok($$SELECT gm.respond((SELECT min(followup_id) FROM gm.followup), NULL, NULL)$$, '22004', NULL, 'NULL time: 22004');
SELECT throws_ok($$SELECT gm.dispatch((SELECT followup_id FROM gm.followup WHERE customer_key = 'c3'))$$, '55000', NULL,
                 'dispatching an order of no grid: 55000 (no one fits)');

-- 7. cadence planning --------------------------------------------------------------------------------
CREATE TEMP TABLE cust (customer_id int PRIMARY KEY, tier text, grid_id bigint, joined_on date, contract_end date, last_contact timestamptz);
INSERT INTO cust VALUES
    (1, 'key',        9003, '2020-01-01', NULL,         NULL),
    (2, 'high_value', 9003, '2020-01-01', '2026-09-20', NULL),
    (3, 'gold',       9003, '2020-01-01', NULL,         '2026-08-10 09:00+08'),
    (4, 'new_group',  9003, '2026-09-10', NULL,         NULL),
    (5, 'potential',  9004, '2020-01-01', NULL,         NULL),
    (6, 'mature',     9005, '2020-01-01', NULL,         NULL),
    (7, 'standard',   NULL, '2020-01-01', NULL,         NULL),
    (8, NULL,         9003, '2020-01-01', '2027-01-01', NULL);
SELECT is(gm.plan_followups('cust', '2026-09-01', '2026-09-30', batch_size => 3), 29::bigint, 'September''s plan: 29 orders (counted by hand)');
SELECT is(gm.plan_followups('cust', '2026-09-01', '2026-09-30', batch_size => 3), 0::bigint, 'planning again creates nothing');
SELECT is(gm.plan_followups('cust', '2026-09-01', '2026-10-31'), 27::bigint, 'extending to October adds only October''s orders');
SELECT is((SELECT string_agg(to_char(due_slot, 'DD Dy'), ' ' ORDER BY due_slot) FROM gm.followup
           WHERE customer_key = '1' AND event = 'visit' AND due_slot < '2026-09-15'),
          '03 Thu 07 Mon 10 Thu 14 Mon', 'key customers: Monday and Thursday');
SELECT is((SELECT string_agg(to_char(due_slot, 'DD Dy'), ' ' ORDER BY due_slot) FROM gm.followup
           WHERE customer_key = '2' AND event = 'visit' AND due_slot < '2026-09-08'),
          '02 Wed 03 Thu 07 Mon', 'high-value customers: Monday, Wednesday, Thursday');
SELECT is((SELECT string_agg(to_char(due_slot, 'MM-DD') || '>' || to_char(opened_at, 'MM-DD Dy'), ' ' ORDER BY due_slot) FROM gm.followup
           WHERE customer_key = '3' AND event = 'visit'),
          '09-01>09-01 Tue 09-16>09-16 Wed 10-01>10-08 Thu 10-16>10-16 Fri', 'gold customers: every half month (the 1 October visit moves past National Day)');
SELECT is((SELECT string_agg(to_char(due_slot, 'MM-DD'), ' ' ORDER BY due_slot) FROM gm.followup
           WHERE customer_key = '4' AND event = 'visit'),
          '09-14 09-21 09-28 10-05', 'new group customers: weekly in their first month only');
SELECT is((SELECT string_agg(event || ' ' || to_char(due_slot, 'MM-DD'), ', ' ORDER BY due_slot) FROM gm.followup WHERE customer_key = '5'),
          'insight_report 09-01, insight_report 10-01', 'potential customers: a monthly insight report');
SELECT is((SELECT string_agg(event || ' ' || to_char(due_slot, 'MM-DD') || ' ' || coalesce(assignee, '-'), ', ' ORDER BY due_slot) FROM gm.followup WHERE customer_key = '6'),
          'upgrade_proposal 10-01 mgr_g3', 'mature customers: a quarterly upgrade proposal (G3: to its manager)');
SELECT is((SELECT event || ' ' || due_slot || ' ' || planned_due FROM gm.followup WHERE customer_key = '2' AND event = 'renewal'),
          'renewal 2026-09-05 2026-09-20 00:00:00+08', 'renewal reminder 15 days before expiry, due at expiry');
SELECT is((SELECT event || ' ' || due_slot || ' ' || (planned_due IS NULL)::text FROM gm.followup WHERE customer_key = '3' AND event = 'churn_warning'),
          'churn_warning 2026-09-09 true', 'churn warning 30 days after the last interaction, due by its SLA');
SELECT is((SELECT count(*)::int FROM gm.followup WHERE customer_key IN ('7', '8')), 0, 'standard customers get no cadence orders here');
SELECT is((SELECT state || '/' || opened_at || '/' || planned_due FROM gm.followup WHERE customer_key = '3' AND due_slot = '2026-09-16'),
          'dispatched/2026-09-16 00:00:00+08/2026-09-17 00:00:00+08', 'a planned visit is dispatched and due by the end of its day');
SELECT is((SELECT count(*)::int FROM gm.followup f WHERE f.note = 'planned'
           AND NOT EXISTS (SELECT 1 FROM gm.followup_history h WHERE h.followup_id = f.followup_id)), 0,
          'every planned order has its history row');
SELECT ok((SELECT bool_and(assignee = 'mkt_c') FROM gm.followup
           WHERE customer_key IN ('1', '2', '3', '4') AND event = 'visit' AND note = 'planned'), 'planned visits go to the marketer of the slot day');
UPDATE cust SET tier = 'platinum' WHERE customer_id = 8;
SELECT throws_ok($$SELECT gm.plan_followups('cust', '2026-09-01', '2026-09-30')$$, '42704', 'unknown customer tier "platinum" in cust', 'unknown tier: 42704');
UPDATE cust SET tier = NULL WHERE customer_id = 8;
CREATE TEMP TABLE cust_nokey (customer_id int, tier text, grid_id bigint);
INSERT INTO cust_nokey VALUES (NULL, 'key', 9003);
SELECT throws_ok($$SELECT gm.plan_followups('cust_nokey', '2026-09-01', '2026-09-30')$$, '22004', NULL, 'NULL customer key: 22004');
SELECT throws_ok($$SELECT gm.plan_followups('cust', '2026-09-01', '2026-09-30', tier_column => 'nope')$$, '42703', NULL, 'missing column: 42703');
SELECT throws_ok($$SELECT gm.plan_followups('cust', '2026-09-30', '2026-09-01')$$, '22000', NULL, 'reversed period: 22000');
SELECT is((SELECT array_agg(d ORDER BY d) FROM gm.followup_cadence_slots('week', 2, '2026-12-28', '2027-01-08') d),
          '{2026-12-28,2026-12-31,2027-01-04,2027-01-07}'::date[], 'week slots across a year end');
SELECT is((SELECT array_agg(d ORDER BY d) FROM gm.followup_cadence_slots('quarter', 1, '2026-01-01', '2026-12-31') d),
          '{2026-01-01,2026-04-01,2026-07-01,2026-10-01}'::date[], 'quarter slots');
SELECT is((SELECT count(*)::int FROM gm.followup_cadence_slots('fortnight', 1, '2026-01-01', '2026-12-31')), 0, 'an unknown period gives no slot');
-- text keys, batches
CREATE TEMP TABLE cust_text (code text PRIMARY KEY, level text, area bigint);
INSERT INTO cust_text SELECT 'K' || lpad(i::text, 3, '0'), 'gold', 9003 FROM generate_series(1, 7) i;
SELECT is(gm.plan_followups('cust_text', '2026-09-01', '2026-09-30', key_column => 'code', tier_column => 'level', grid_column => 'area', batch_size => 2),
          14::bigint, 'text keys in batches of 2: 7 gold customers x 2');

-- 8. KPIs ------------------------------------------------------------------------------------------------
SELECT is((SELECT on_time_rate FROM gm.followup_kpi WHERE grid_id = 9003),
          (SELECT round(avg(CASE WHEN done_at IS NOT NULL THEN (done_at <= due)::int WHEN now() > due THEN 0 END), 4)
           FROM gm.followup_status WHERE grid_id = 9003 AND state <> 'cancelled'), 'on-time rate by grid');
SELECT is((SELECT p50_response_time FROM gm.followup_kpi WHERE grid_id = 9003),
          (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY responded_at - opened_at) FROM gm.followup WHERE grid_id = 9003 AND state <> 'cancelled'),
          'median response time by grid');
SELECT is((SELECT n_customers || '/' || covered || '/' || coverage FROM gm.followup_coverage('cust', '2026-03-01', '2026-03-31') WHERE grid_id = 9003),
          '5/0/0.0000', 'coverage: nobody of cust had a resolved follow-up in March') ;
CREATE TEMP TABLE cov (customer_id text, grid_id bigint);
INSERT INTO cov VALUES ('cp1', 9003), ('c1', 9003), ('zz', 9003), ('zz2', 9004);
SELECT results_eq($$SELECT grid_id, n_customers, covered, coverage FROM gm.followup_coverage('cov', '2026-03-01', '2026-03-31')$$,
                  $$VALUES (9003::bigint, 3::bigint, 1::bigint, 0.3333::numeric), (9004, 1, 0, 0.0000)$$,
                  'coverage: share of a grid''s customers with a resolved follow-up in the period');
SELECT results_eq($$SELECT grid_id, persons, orders FROM gm.followup_orders_per_person_day('2026-03-01', '2026-03-31') WHERE grid_id = 9003$$,
                  $$SELECT 9003::bigint, count(DISTINCT assignee), count(*) FROM gm.followup WHERE grid_id = 9003
                    AND (resolved_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN '2026-03-01' AND '2026-03-31'$$,
                  'orders per person per day counts resolved orders and persons');
SELECT is((SELECT workdays FROM gm.followup_orders_per_person_day('2026-03-01', '2026-03-31') LIMIT 1), 22, 'March 2026 has 22 working days (Mon-Fri)');

-- 9. work logs ---------------------------------------------------------------------------------------------
SELECT gm.set_actor('mkt_a') \g /dev/null
SELECT isnt(gm.submit_work_log(9003, '2026-03-02', 'visited 5 customers'), NULL, 'a member submits the day''s log');
SELECT is(gm.submit_work_log(9003, '2026-03-02', 'visited 6 customers'), (SELECT log_id FROM gm.work_log WHERE role_name = 'mkt_a'),
          'submitting again replaces it');
SELECT throws_ok($$SELECT gm.submit_work_log(9003, '2026-08-03', 'x')$$, '42501', NULL, 'not a member that day: 42501');
SELECT throws_ok($$SELECT gm.review_work_log((SELECT log_id FROM gm.work_log WHERE role_name = 'mkt_a'))$$, '42501', NULL,
                 'a marketer cannot review');
SELECT is((SELECT reviewer::text || ' ' || review_due FROM gm.work_log_unreviewed WHERE role_name = 'mkt_a'), 'mgr_g1 2026-03-03',
          'the unreviewed log is listed past the next working day, with its reviewer');
SELECT gm.set_actor('mgr_g1') \g /dev/null
SELECT isnt(gm.review_work_log((SELECT log_id FROM gm.work_log WHERE role_name = 'mkt_a'), 'ok'), NULL, 'the grid manager reviews it');
SELECT is((SELECT count(*)::int FROM gm.work_log_unreviewed), 0, 'no log left unreviewed');
SELECT throws_ok($$SELECT gm.review_work_log((SELECT log_id FROM gm.work_log WHERE role_name = 'mkt_a'))$$, '55000', NULL, 'reviewed twice: 55000');
SELECT gm.set_actor('mkt_a') \g /dev/null
SELECT throws_ok($$SELECT gm.submit_work_log(9003, '2026-03-02', 'changed')$$, '55000', NULL, 'a reviewed log cannot be replaced');
SELECT gm.set_actor('mkt_c') \g /dev/null
SELECT gm.submit_work_log(9003, (now() AT TIME ZONE 'Asia/Shanghai')::date, 'today') \g /dev/null
SELECT is((SELECT count(*) FROM gm.work_log WHERE role_name = 'mkt_c' AND day = (now() AT TIME ZONE 'Asia/Shanghai')::date) || '/' ||
          (SELECT count(*) FROM gm.work_log_unreviewed), '1/0', 'today''s log is stored and not yet overdue');
RESET grid_marketing.actor;

-- a location inside a physical grid: the order lands in that grid and goes to its team
INSERT INTO gm.grid(grid_id, code, name, kind, geom) VALUES (9020, 'P1', 'physical one', 'physical', 'MULTIPOLYGON(((100 0,110 0,110 10,100 10,100 0)))');
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (9020, 'mkt_p', 'marketer');
SELECT gm.open_followup('loc-in', ST_MakePoint(105, 5), 'visit') AS loc_in \gset
SELECT is((SELECT grid_id || '/' || state || '/' || assignee FROM gm.followup WHERE followup_id = :loc_in), '9020/dispatched/mkt_p',
          'a location inside a physical grid: that grid, dispatched to its marketer');
SELECT throws_ok($$SELECT gm.open_followup('loc-bad', ST_MakeEnvelope(100, 0, 101, 1), 'visit')$$, '22023', NULL,
                 'a polygon as location -> 22023, no order');

-- 10. privileges and volatility ------------------------------------------------------------------------------
SELECT ok(NOT has_function_privilege('public', 'gm.respond(bigint, text, timestamptz)', 'EXECUTE'), 'PUBLIC may not change orders');
SELECT is((SELECT count(*)::int FROM pg_proc p WHERE p.pronamespace = 'gm'::regnamespace AND p.prosecdef
           AND NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')), 0,
          'every SECURITY DEFINER function pins its search_path');
SELECT volatility_is('gm', 'escalation_level', ARRAY['timestamp with time zone', 'timestamp with time zone', 'interval', 'integer'], 'immutable', 'escalation_level is IMMUTABLE');
SELECT ok((SELECT proparallel = 's' FROM pg_proc WHERE oid = 'gm.escalation_level'::regproc), 'escalation_level is PARALLEL SAFE');

-- 9. the configuration model (gm.origin): shipped rows, edits, user rows, parameters --------------
SELECT is((SELECT string_agg(c.relname || ': ' || x.extcondition[i], '; ' ORDER BY c.relname)
           FROM pg_extension x, generate_subscripts(x.extconfig, 1) i, pg_class c
           WHERE x.extname = 'grid_marketing' AND c.oid = x.extconfig[i] AND c.relname IN ('followup_event', 'followup_tier', 'followup_cadence', 'followup_setting')),
          'followup_cadence: WHERE origin <> ''shipped''; followup_event: WHERE origin <> ''shipped''; '
          'followup_setting: WHERE origin <> ''shipped''; followup_tier: WHERE origin <> ''shipped''',
          'the follow-up configuration dumps every row but the shipped ones');
SELECT is((SELECT string_agg(event || ':' || origin, ',' ORDER BY event) FROM gm.followup_event WHERE origin <> 'shipped'), 'arrears:edited',
          're-routing a shipped event (arrears, section 2) made it an edit, the rest is as shipped');
SELECT is((SELECT count(*)::int FROM gm.followup_event WHERE origin = 'shipped')
          || '/' || (SELECT count(*) FROM gm.followup_tier WHERE origin = 'shipped')
          || '/' || (SELECT count(*) FROM gm.followup_cadence WHERE origin = 'shipped'), '13/8/6',
          'shipped: 14 events (one edited), 8 tiers, 6 cadence rows');
SELECT is((SELECT count(*)::int || ':' || min(top_role) || ':' || min(time_zone) || ':' || min(origin::text) FROM gm.followup_setting),
          '1:vp_sales:Asia/Shanghai:edited', 'one settings row; setting the top role (section 3) made it an edit of the shipped row');
SELECT is((gm.followup_settings()).top_role, 'vp_sales'::name, 'gm.followup_settings() reads that row');
INSERT INTO gm.followup_tier(tier, note) VALUES ('platinum_x', 'a tier of our own');
SELECT is((SELECT origin FROM gm.followup_tier WHERE tier = 'platinum_x'), 'user'::gm.origin, 'an inserted tier is a user row');
INSERT INTO gm.followup_cadence(tier, event, period, times) VALUES ('platinum_x', 'visit', 'week', 4);
SELECT lives_ok($$DELETE FROM gm.followup_tier WHERE tier = 'platinum_x'$$, 'a user tier can be deleted');
SELECT is((SELECT count(*)::int FROM gm.followup_cadence WHERE tier = 'platinum_x'), 0, 'and its cadence rows go with it');
SELECT throws_ok($$DELETE FROM gm.followup_tier WHERE tier = 'gold'$$, '55000', NULL, 'a shipped tier cannot be deleted');
SELECT throws_ok($$DELETE FROM gm.followup_setting$$, '55000', NULL, 'the settings row cannot be deleted');
-- what pg_restore does with an edited row: CREATE EXTENSION recreated the shipped one first
INSERT INTO gm.followup_event(event, duty, sla_event, default_due, note) VALUES ('install', 'installer', NULL, '13 hours', 'restored edit');
SELECT is((SELECT count(*)::int || ':' || min(default_due::text) || ':' || min(origin::text) FROM gm.followup_event WHERE event = 'install'),
          '1:13:00:00:edited', 'an insert on a shipped event edits it (one row)');
-- the numbers are parameters
SELECT is((SELECT string_agg(name || '=' || value || ' ' || unit, ',' ORDER BY name) FROM gm.parameter
           WHERE name LIKE 'followup\_%' OR name = 'lifecycle_at_risk_days'),
          'followup_callback_after_days=30 days,followup_renewal_lead_days=15 days,followup_repeat_window_days=30 days,'
          'followup_top_level=3 levels,lifecycle_at_risk_days=30 days', 'the follow-up numbers are parameters, with their units');
SELECT ok((SELECT max(escalation_level) FROM gm.followup_status) > 1, 'orders overdue by more than a step exist');
UPDATE gm.parameter SET value = 1 WHERE name = 'followup_top_level';
SELECT is((SELECT max(escalation_level) FROM gm.followup_status), 1, 'the view caps levels at parameter followup_top_level');
UPDATE gm.parameter SET value = 0.5 WHERE name = 'followup_repeat_window_days';
SELECT is(pg_temp.repeat_of('rw', '2026-06-01 10:00+08'), NULL, 'a first complaint');
SELECT isnt(pg_temp.repeat_of('rw', '2026-06-01 21:00+08'), NULL, 'another 11 hours later is a repeat within a half-day window');
SELECT is(pg_temp.repeat_of('rw', '2026-06-02 10:00+08'), NULL, 'another 13 hours after that is not (parameter followup_repeat_window_days)');
UPDATE gm.parameter SET value = 7 WHERE name = 'followup_callback_after_days';
CREATE TEMP TABLE cp7 AS SELECT gm.open_followup('cp7', 9003, 'complaint', 'standard', '2026-06-01 10:00+08') AS id;
SELECT gm.respond(id, NULL, '2026-06-01 11:00+08'), gm.resolve(id, NULL, NULL, '2026-06-01 12:00+08'),
       gm.verify(id, 4, NULL, '2026-06-01 13:00+08'), gm.close(id, NULL, '2026-06-02 10:00+08') FROM cp7 \g /dev/null
SELECT is((SELECT opened_at FROM gm.followup WHERE parent_id = (SELECT id FROM cp7)), '2026-06-09 10:00+08'::timestamptz,
          'the call-back opens followup_callback_after_days after closing');

SELECT * FROM finish();
ROLLBACK;
