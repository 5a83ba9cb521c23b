-- gm.followup_status computes due time, light and escalation level with one C call per row from
-- a per-backend cache of gm.followup_policy() (src/sla.c).  Checked here against the same
-- formulas written in plain SQL over gm.followup_policy() (the oracle below): every unit, planned
-- due times, cancelled orders, session time zones with DST, starts on DST changes and year ends;
-- the cache follows every change of the tables behind the policy (also rolled back, also in a
-- subtransaction), a rebuild that fails is not trusted, and the view still runs in parallel.
SET client_min_messages = warning;
SELECT plan(29);

-- the oracle: the policy joined, the due time as gm.followup_due computes it, the light of
-- gm.followup_light and the level of gm.escalation_level
CREATE FUNCTION pg_temp.oracle()
    RETURNS TABLE(followup_id bigint, due timestamptz, light gm.light, escalation_level integer,
                  sla_event text, warn_fraction numeric, escalation_step interval)
LANGUAGE sql STABLE AS $$
    WITH o AS (
        SELECT f.followup_id, f.state, COALESCE(f.reopened_at, f.opened_at) AS started,
               COALESCE(f.responded_at, now()) AS done, p.*,
               CASE WHEN f.planned_due IS NOT NULL THEN f.planned_due
                    WHEN p.unit = 'calendar_time' THEN COALESCE(f.reopened_at, f.opened_at) + p.per_time
                    WHEN p.unit = 'working_days' THEN gm.working_day_end(gm.add_working_days(
                         (COALESCE(f.reopened_at, f.opened_at) AT TIME ZONE gm.calendar_time_zone(p.calendar))::date,
                         p.days, p.calendar), p.calendar)
                    WHEN p.unit = 'working_time' THEN gm.add_working_time(COALESCE(f.reopened_at, f.opened_at), p.amount, p.calendar)
                    WHEN p.unit = 'before_date' THEN COALESCE(f.reopened_at, f.opened_at) - p.amount
               END AS due
        FROM gm.followup f LEFT JOIN gm.followup_policy() p ON p.event = f.event AND p.tier = f.tier)
    SELECT o.followup_id, o.due,
           CASE WHEN o.state <> 'cancelled' THEN gm.followup_light(o.started, o.due, o.done, o.warn_fraction) END,
           CASE WHEN o.state = 'cancelled' THEN 0
                ELSE gm.escalation_level(o.due, o.done, o.escalation_step, gm.param('followup_top_level')::integer) END,
           o.sla_event, o.warn_fraction, o.escalation_step
    FROM o
$$;
CREATE FUNCTION pg_temp.mismatches() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT count(*) FROM (
        (SELECT followup_id, due, light, escalation_level, sla_event, warn_fraction, escalation_step FROM gm.followup_status
         EXCEPT ALL SELECT * FROM pg_temp.oracle())
        UNION ALL
        (SELECT * FROM pg_temp.oracle()
         EXCEPT ALL SELECT followup_id, due, light, escalation_level, sla_event, warn_fraction, escalation_step FROM gm.followup_status)) d
$$;
CREATE FUNCTION pg_temp.fails(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- a working-time policy too (none is shipped for these events): site survey, 6 working hours
INSERT INTO gm.sla_policy(event, tier, variant, enabled, unit, amount, times_per_period, escalation_step)
VALUES ('acc_survey', '*', 'default', true, 'working_time', '6 hours', 1, '4 hours'),
       ('acc_deadline', '*', 'default', true, 'before_date', '2 days', 1, '1 day');
INSERT INTO gm.followup_event(event, duty, sla_event, default_due)
VALUES ('site_survey', 'marketer', 'acc_survey', '1 day'),
       ('contract_end', 'manager', 'acc_deadline', '1 day'),
       ('no_policy_event', 'marketer', NULL, '5 hours'),
       -- longer than 16 bytes, equal but for one byte in the middle: told apart by the cache
       ('acc_long_A_event_suffix', 'marketer', NULL, '2 hours'),
       ('acc_long_B_event_suffix', 'marketer', NULL, '3 hours');

-- orders of every event and tier, starts spread over two years around DST changes and year ends,
-- some planned, reopened, responded or cancelled
SELECT setseed(0.31);
INSERT INTO gm.followup(customer_key, grid_id, event, tier, state, opened_at, reopened_at, responded_at, planned_due)
SELECT 'k' || i, NULL, e.event, t.tier,
       (ARRAY['new','dispatched','responded','reopened','cancelled','resolved','closed'])[1 + (i % 7)]::gm.followup_state,
       s.start,
       CASE WHEN i % 11 = 0 THEN s.start + interval '30 hours' END,
       CASE WHEN i % 3 = 0 THEN s.start + random() * interval '6 days' END,
       CASE WHEN i % 13 = 0 THEN s.start + interval '3 days' END
FROM generate_series(1, 3000) i
CROSS JOIN LATERAL (SELECT event FROM gm.followup_event ORDER BY event OFFSET (i % (SELECT count(*) FROM gm.followup_event)) LIMIT 1) e
CROSS JOIN LATERAL (SELECT tier FROM gm.followup_tier ORDER BY tier OFFSET ((i / 7) % (SELECT count(*) FROM gm.followup_tier)) LIMIT 1) t
CROSS JOIN LATERAL (SELECT CASE i % 5
        WHEN 0 THEN timestamptz '2026-03-08 01:30:00-05' + (i % 17) * interval '37 minutes'   -- US DST start
        WHEN 1 THEN timestamptz '2026-10-31 20:00:00+00' + (i % 23) * interval '1 hour'       -- EU DST end
        WHEN 2 THEN timestamptz '2026-12-31 15:00:00+08' + (i % 40) * interval '1 hour'       -- year end
        WHEN 3 THEN timestamptz '2026-09-30 16:00:00+08' + (i % 200) * interval '1 hour'      -- National Day week
        ELSE timestamptz '2026-01-01 00:00:00+08' + random() * interval '700 days' END AS start) s;

SELECT cmp_ok((SELECT count(DISTINCT event || tier) FROM gm.followup), '>=', 60::bigint, 'test orders cover many (event, tier) pairs');
SET TimeZone = 'Asia/Shanghai';
SELECT is(pg_temp.mismatches(), 0::bigint, 'due, light, level and policy columns equal the SQL oracle (session in Asia/Shanghai)');
SET TimeZone = 'America/New_York';
SELECT is(pg_temp.mismatches(), 0::bigint, '... with the session in America/New_York (calendar-time days across US DST changes)');
SET TimeZone = 'Europe/London';
SELECT is(pg_temp.mismatches(), 0::bigint, '... with the session in Europe/London');
SET TimeZone = 'UTC';
SELECT is(pg_temp.mismatches(), 0::bigint, '... with the session in UTC');
RESET TimeZone;

SELECT is((SELECT count(*) FROM gm.followup_status WHERE state = 'cancelled' AND (light IS NOT NULL OR escalation_level <> 0)),
          0::bigint, 'cancelled orders: no light, level 0');
SELECT is((SELECT count(*) FROM gm.followup_status), (SELECT count(*) FROM gm.followup), 'one row per order');
SELECT is((SELECT count(*) || ' ' || count(*) FILTER (WHERE s.due = s.started_at + interval '5 hours')
           FROM gm.followup_status s JOIN gm.followup f USING (followup_id)
           WHERE s.event = 'no_policy_event' AND f.planned_due IS NULL),
          (SELECT count(*) || ' ' || count(*) FROM gm.followup WHERE event = 'no_policy_event' AND planned_due IS NULL),
          'an event without an SLA policy is due after its default (5 hours of calendar time)');
SELECT is((SELECT string_agg(DISTINCT s.event || ' ' || (s.due - s.started_at), ', ' ORDER BY s.event || ' ' || (s.due - s.started_at))
           FROM gm.followup_status s JOIN gm.followup f USING (followup_id)
           WHERE s.event LIKE 'acc_long_%' AND f.planned_due IS NULL),
          'acc_long_A_event_suffix 02:00:00, acc_long_B_event_suffix 03:00:00', 'keys longer than 16 bytes differing in one byte: each its own policy');
SELECT is((SELECT string_agg(DISTINCT sla_event || ' ' || warn_fraction || ' ' || escalation_step, ',')
           FROM gm.followup_status WHERE event = 'site_survey'),
          'acc_survey 0.75 04:00:00', 'the policy columns of the view');

-- the functions alone
SELECT is(gm._followup_due_of('nope', 'standard', now(), NULL), NULL, 'unknown event: no due time');
SELECT is(gm._followup_due_of('nope', 'standard', now(), '2026-05-01 10:00+08'), '2026-05-01 10:00+08'::timestamptz,
          'a planned due time stands without a policy');
SELECT is(gm._followup_light_of('new', NULL, 'standard', now(), NULL, NULL, now()), NULL, 'NULL event: NULL light');
SELECT is(gm._followup_light_of('new', 'complaint', 'standard', NULL, NULL, NULL, now()), NULL, 'no start: NULL light');
SELECT is(gm._followup_level_of('new', 'complaint', 'standard', now(), NULL, NULL, now(), NULL), NULL, 'NULL top: NULL level');
SELECT is(COALESCE(gm._followup_light_of('cancelled', 'complaint', 'standard', now() - interval '9 days', NULL, NULL, NULL)::text, 'none')
          || gm._followup_level_of('cancelled', 'complaint', 'standard', now() - interval '9 days', NULL, NULL, NULL, 3),
          'none0', 'a cancelled order: no light, level 0');
SELECT is(gm._followup_light_of('dispatched', 'first_contact', 'standard', now() - interval '30 hours', now() - interval '1 hour', NULL, NULL)::text
          || gm._followup_level_of('dispatched', 'first_contact', 'standard', now() - interval '30 hours', now() - interval '1 hour', NULL, NULL, 3),
          'green0', 'a reopened order counts from its reopening, until now when not responded');
SELECT is(gm._followup_due_of('site_survey', 'standard', '2026-10-01 09:00+08', NULL),
          gm.add_working_time('2026-10-01 09:00+08', '6 hours', gm._followup_calendar()),
          'working time across the National Day holiday');
SELECT is(pg_temp.fails($$SELECT gm._followup_due_of('site_survey', 'standard', 'infinity', NULL)$$), '22008',
          'an infinite start of a working-time policy: 22008');
SELECT is(pg_temp.fails($$SELECT gm._followup_due_of('complaint', 'standard', '-infinity', NULL)$$), '22008',
          'an infinite start of a working-day policy: 22008');

-- the cache follows the configuration: in the transaction, after a rollback, in a subtransaction
BEGIN;
UPDATE gm.sla_policy SET amount = '10 hours' WHERE event = 'acc_survey';
SELECT is(pg_temp.mismatches(), 0::bigint, 'an edited policy shows at once in the own transaction');
SAVEPOINT s;
UPDATE gm.followup_event SET default_due = '9 hours' WHERE event = 'no_policy_event';
UPDATE gm.followup_setting SET time_zone = 'Asia/Urumqi';
SELECT is(pg_temp.mismatches(), 0::bigint, 'an edited event default and setting show in a subtransaction');
ROLLBACK TO SAVEPOINT s;
SELECT is(pg_temp.mismatches(), 0::bigint, '... and are gone after rolling the subtransaction back');
ROLLBACK;
SELECT is(gm._followup_due_of('site_survey', 'standard', '2026-12-31 15:00:00+08', NULL),
          gm.add_working_time('2026-12-31 15:00:00+08', '6 hours', gm._followup_calendar()),
          'the rolled-back edit is gone (6 working hours again)');
INSERT INTO gm.followup_tier(tier, note) VALUES ('acc_platinum', 'a tier of the user');
INSERT INTO gm.followup(customer_key, event, tier, opened_at) VALUES ('kp', 'complaint', 'acc_platinum', '2026-06-01 10:00+08');
SELECT is(pg_temp.mismatches(), 0::bigint, 'a new tier of the user gets the event''s policy');

-- a rebuild that fails (the settings name an unknown calendar) is not trusted
UPDATE gm.followup_setting SET calendar = 'acc_no_such_calendar';
SELECT is(pg_temp.fails('SELECT count(due) FROM gm.followup_status'), '42704', 'an unknown follow-up calendar: 42704 from the view');
SELECT is(pg_temp.fails('SELECT count(due) FROM gm.followup_status'), '42704', '... again, not a half-built cache');
UPDATE gm.followup_setting SET calendar = NULL;
SELECT is(pg_temp.mismatches(), 0::bigint, 'after the fix the view answers right');

-- grouped reads run in parallel (the planner estimates the light's groups as a column's)
CREATE FUNCTION pg_temp.plan(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE j json;
BEGIN
    EXECUTE 'EXPLAIN (VERBOSE, FORMAT JSON) ' || q INTO j;
    RETURN j::jsonb;
END $$;
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ANALYZE gm.followup;
-- What matters: the light (the C function) is computed by the parallel workers.  15 and 17 also
-- aggregate partially in the workers; 18 estimates more groups (300 rows where 17 has 200) and
-- aggregates above the Gather, the workers' scan computing the light.
SELECT pg_temp.plan('SELECT grid_id, light, count(*) FROM gm.followup_status WHERE is_open GROUP BY 1, 2') AS status_plan \gset
SELECT CASE WHEN current_setting('server_version_num')::int < 180000
  THEN ok(:'status_plan'::jsonb @? '$.** ? (@."Node Type" == "Aggregate" && @."Partial Mode" == "Partial")',
          'GROUP BY grid, light over the view: a partial aggregate in parallel workers')
  ELSE ok(:'status_plan'::jsonb @? '$.** ? (@."Node Type" == "Gather").** ? (@."Parallel Aware" == true && @."Output"[*] like_regex "gm\\._followup_light_of\\(")',
          'GROUP BY grid, light over the view: the light is computed in parallel workers (18 aggregates above the Gather)')
  END;
SELECT finish();
