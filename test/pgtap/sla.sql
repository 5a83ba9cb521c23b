-- Follow-up deadlines (issue 5): seeded SLA policies, due times per unit, variants, next visit,
-- traffic lights, escalation, the on-time rate aggregate (serial and parallel).
SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SELECT plan(59);

-- seeded policies
SELECT is((SELECT count(*) FROM gm.sla_policy WHERE origin = 'shipped'), 13::bigint, '13 seeded policy rows');
SELECT results_eq($$SELECT event, tier, variant, enabled, unit, amount, times_per_period FROM gm.sla_policy ORDER BY event, tier, variant$$,
  $$VALUES ('churn_intervention', '*', 'standard', true, 'calendar_time', '48 hours'::interval, 1),
           ('churn_warning', '*', 'standard', true, 'calendar_time', '30 days', 1),
           ('complaint_response', '*', 'clock', false, 'calendar_time', '48 hours', 1),
           ('complaint_response', '*', 'standard', true, 'working_days', '2 days', 1),
           ('first_contact', '*', 'standard', true, 'calendar_time', '24 hours', 1),
           ('needs_discovery', '*', 'standard', true, 'calendar_time', '7 days', 1),
           ('post_signing_callback', '*', 'standard', true, 'calendar_time', '48 hours', 1),
           ('proposal', '*', 'standard', true, 'working_days', '3 days', 1),
           ('renewal_reminder', '*', 'standard', true, 'before_date', '15 days', 1),
           ('visit', '*', 'standard', true, 'calendar_time', '7 days', 2),
           ('visit', 'gold', 'standard', true, 'calendar_time', '15 days', 1),
           ('visit', 'high_value', 'standard', true, 'calendar_time', '7 days', 3),
           ('visit', 'new_group', 'standard', true, 'calendar_time', '7 days', 1)$$,
  'seed defaults: events, units, amounts');
SELECT is((SELECT count(*) FROM gm.sla_policy WHERE warn_fraction = 0.75 AND escalation_step = '48 hours'), 13::bigint,
          'default warn fraction 0.75 and escalation step 48 h');
SELECT is((SELECT x.extcondition[i] FROM pg_extension x, generate_subscripts(x.extconfig, 1) i
            WHERE x.extname = 'grid_marketing' AND x.extconfig[i] = 'gm.sla_policy'::regclass), $$WHERE origin <> 'shipped'$$,
          'policy rows are dumped except the shipped ones');

-- due times
SELECT is(gm.followup_due('first_contact', '2026-02-13 10:00', NULL, 'cn'), '2026-02-14 10:00'::timestamptz, 'first contact: 24 clock hours');
SELECT is(gm.followup_due('proposal', '2026-02-13 10:00', 'gold', 'cn'), '2026-02-25 18:00'::timestamptz,
          'proposal: close of the 3rd working day on cn (tier falls back to *)');
SELECT is(gm.followup_due('proposal', '2026-02-13 10:00', NULL, gm.calendar('cn')), '2026-02-25 18:00'::timestamptz, 'same on the value');
SELECT is(gm.followup_due('complaint_response', '2026-02-13 10:00', NULL, 'cn'), '2026-02-24 18:00'::timestamptz,
          'complaint: 2 working days (seed 003 text)');
SELECT is(gm.followup_due('complaint_response', '2026-02-14 23:30', NULL, 'cn'), '2026-02-25 18:00'::timestamptz,
          'complaint late on the make-up Saturday: counted from that day');
SELECT is(gm.followup_due('renewal_reminder', '2026-06-30', NULL, 'cn'), '2026-06-15'::timestamptz, 'renewal: 15 days before expiry');
SELECT is(gm.followup_due('churn_warning', '2026-03-01 12:00', NULL, 'cn'), '2026-03-31 12:00'::timestamptz, 'churn warning: 30 days after the last interaction');
SELECT is(gm.followup_due('post_signing_callback', '2026-03-01 12:00', NULL, 'cn'), '2026-03-03 12:00'::timestamptz, 'call-back: 48 h');
SELECT is(gm.followup_due('proposal', NULL, NULL, 'cn'), NULL, 'NULL time -> NULL');
SELECT throws_ok($$SELECT gm.followup_due('nope', now(), NULL, 'cn')$$, '42704', 'no follow-up policy for event "nope" and tier "*"', 'unknown event -> 42704');
SELECT throws_ok($$SELECT gm.followup_due('proposal', now(), NULL, 'nope')$$, '42704', NULL, 'unknown calendar -> 42704');
SELECT throws_ok($$SELECT gm.followup_due(NULL, now(), NULL, 'cn')$$, '22004', NULL, 'NULL event -> 22004');

-- the clock alternative for complaints, and own policies
SELECT lives_ok($$SELECT gm.use_sla_variant('complaint_response', NULL, 'clock')$$, 'switch complaints to 48 clock hours');
SELECT is(gm.followup_due('complaint_response', '2026-02-13 10:00', NULL, 'cn'), '2026-02-15 10:00'::timestamptz, 'complaint: 48 clock hours');
SELECT is((SELECT string_agg(variant || ':' || origin, ',' ORDER BY variant) FROM gm.sla_policy WHERE origin <> 'shipped'), 'clock:edited,standard:edited',
          'the switch is stored as edits of the two shipped rows (dumped), one row each');
SELECT lives_ok($$SELECT gm.use_sla_variant('complaint_response', NULL, 'standard')$$, 'switch back');
SELECT is(gm.followup_due('complaint_response', '2026-02-13 10:00', NULL, 'cn'), '2026-02-24 18:00'::timestamptz, 'complaint: 2 working days again');
SELECT throws_ok($$SELECT gm.use_sla_variant('complaint_response', NULL, 'nope')$$, '42704', NULL, 'unknown variant -> 42704');
SELECT lives_ok($$SELECT gm.set_sla_policy('first_contact', 'gold', 'working_time', '4 hours', 0.5)$$, 'gold leads: 4 working hours');
SELECT is(gm.followup_due('first_contact', '2026-02-13 16:00', 'gold', 'cn'), '2026-02-14 11:00'::timestamptz,
          'working time: 2 h on Friday, 2 h on the make-up Saturday');
SELECT is((gm.sla_policy_for('first_contact', 'gold')).warn_fraction, 0.5, 'the tier''s own row wins over *');
SELECT lives_ok($$SELECT gm.set_sla_policy('proposal', NULL, 'calendar_time', '1 day', variant => 'fast')$$, 'a second proposal variant');
SELECT is((SELECT count(*)::int FROM gm.sla_policy WHERE event = 'proposal' AND tier = '*' AND enabled), 1,
          'setting a variant switches to it: one enabled proposal variant');
SELECT is(gm.followup_due('proposal', '2026-03-02 10:00', NULL, 'cn'), '2026-03-03 10:00'::timestamptz, 'the variant just set is in force (1 day)');
SELECT is((SELECT (count(*) - count(DISTINCT tier))::text || ' ' || string_agg(DISTINCT amount::text, ',') FROM gm.followup_policy() WHERE event = 'proposal'),
          '0 1 day', 'gm.followup_policy after a second variant: one row per tier, the variant in force (1 day)');
SELECT lives_ok($$SELECT count(*) FROM gm.followup_status$$, 'gm.followup_status works after a second variant');
SELECT lives_ok($$SELECT gm.use_sla_variant('proposal', NULL, 'standard')$$, 'switch the proposal back');
SELECT is(gm.followup_due('proposal', '2026-03-02 10:00', NULL, 'cn'), '2026-03-05 18:00'::timestamptz, 'the standard variant again: 3 working days');
SELECT throws_ok($$SELECT gm.set_sla_policy('visit', 'platinum', 'calendar_time', '3 days')$$, '42704', NULL, 'a tier not in gm.followup_tier -> 42704');
SELECT is((SELECT count(*)::int FROM gm.sla_policy WHERE tier = 'platinum'), 0, 'and nothing was stored');
-- a hand edit of the table can still make two variants enabled: refused at use, not guessed
UPDATE gm.sla_policy SET enabled = true WHERE event = 'proposal';
SELECT throws_ok($$SELECT gm.followup_due('proposal', now(), NULL, 'cn')$$, '21000', NULL, 'two enabled variants by hand -> 21000');
SELECT lives_ok($$SELECT gm.use_sla_variant('proposal', NULL, 'standard')$$, 'use_sla_variant repairs it');
SELECT throws_ok($$SELECT gm.set_sla_policy('x', NULL, 'working_days', '36 hours')$$, '23514', NULL, 'working days must be whole days');

-- next visit
SELECT is(gm.next_visit('2026-03-02 10:00', NULL, 'cn'), '2026-03-06 09:00'::timestamptz, 'twice a week: +3.5 days, moved to the next working time');
SELECT is(gm.next_visit('2026-03-02 10:00', 'high_value', 'cn'), '2026-03-04 18:00'::timestamptz, 'high value: three times a week');
SELECT is(gm.next_visit('2026-03-02 10:00', 'gold', 'cn'), '2026-03-17 10:00'::timestamptz, 'gold: every half month');
SELECT is(gm.next_visit('2026-03-06 10:00', 'new_group', 'cn', '2026-03-01'), '2026-03-13 10:00'::timestamptz, 'new group customer, first month: weekly');
SELECT is(gm.next_visit('2026-04-07 10:00', 'new_group', 'cn', '2026-03-01'), '2026-04-13 09:00'::timestamptz, 'after the first month: the default cadence');

-- lights and escalation
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-02 12:00'), 'green'::gm.light, 'green early on');
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-03 03:00'), 'yellow'::gm.light, 'yellow at exactly 75 %');
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-03 02:59'), 'green'::gm.light, 'green just before 75 %');
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-02 21:00', 0.5), 'yellow'::gm.light, 'yellow at 50 % with warn fraction 0.5');
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-03 09:00'), 'yellow'::gm.light, 'at the due time: yellow, not red');
SELECT is(gm.followup_light('2026-03-02 09:00', '2026-03-03 09:00', '2026-03-03 09:00:01'), 'red'::gm.light, 'past due: red');
SELECT is(gm.followup_light('2026-03-02 09:00', NULL, '2026-03-03 09:00'), NULL, 'NULL due -> NULL');
SELECT is(ARRAY[gm.followup_escalation('2026-03-03 09:00', '2026-03-03 08:00'), gm.followup_escalation('2026-03-03 09:00', '2026-03-03 10:00'),
                gm.followup_escalation('2026-03-03 09:00', '2026-03-05 09:00'), gm.followup_escalation('2026-03-03 09:00', '2026-03-05 09:01', '24 hours')],
          ARRAY[0, 1, 2, 3], 'escalation levels: on time, overdue, each further step');
SELECT is(gm.followup_escalation('2026-03-03 09:00', '2026-03-03 09:00'), 0, 'escalation: exactly at due is on time');
SELECT is(gm.followup_escalation('2026-03-03 09:00', NULL), NULL, 'escalation: NULL time -> NULL');
SELECT throws_ok($$SELECT gm.followup_escalation('2026-03-03 09:00', '2026-03-04 09:00', '0 hours')$$, '22003', NULL,
                 'escalation: a step that is not positive -> 22003');

-- on-time rate
SELECT is(gm.on_time_rate(due, done, '2026-03-10'), 1.0::float8 / 3, 'on_time_rate as of: done late and open overdue are late, open not yet due ignored')
  FROM (VALUES ('2026-03-01'::timestamptz, '2026-02-28'::timestamptz), ('2026-03-01', '2026-03-02'), ('2026-03-05', NULL),
               ('2026-03-20', NULL), (NULL, '2026-03-01')) v(due, done);
SELECT is(gm.on_time_rate(due, done), 0.5::float8, 'two-argument form: as of the transaction start')
  FROM (VALUES (now() - interval '1 day', now() - interval '2 days'), (now() - interval '1 hour', NULL), (now() + interval '1 day', NULL)) v(due, done);
SELECT is(gm.on_time_rate(due, done, now()), NULL::float8, 'nothing measurable -> NULL')
  FROM (VALUES (now() + interval '1 day', NULL::timestamptz)) v(due, done);
CREATE TABLE ontime AS
SELECT '2026-01-01'::timestamptz + (i % 1000) * interval '1 hour' AS due,
       CASE WHEN i % 7 = 0 THEN NULL ELSE '2026-01-01'::timestamptz + ((i * 7919) % 1100) * interval '1 hour' END AS done
FROM generate_series(1, 200000) i;
ANALYZE ontime;
SELECT gm.on_time_rate(due, done, '2026-02-01') AS serial FROM ontime \gset
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0; SET max_parallel_workers_per_gather = 2;
SELECT is((SELECT gm.on_time_rate(due, done, '2026-02-01') FROM ontime), :serial::float8, 'parallel aggregate (combine) equals serial');
\ir ../oracle/kpi_reference.sql
SELECT kpi_ref.on_time_rate_sql('due', 'done', '''2026-02-01''::timestamptz') AS ontime_ref \gset
SELECT is((SELECT :serial::float8), (SELECT :ontime_ref FROM ontime), 'and equals the reference formula (test/oracle)');
DROP SCHEMA kpi_ref CASCADE;
SELECT is((SELECT p.proparallel FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.oid = 'gm.on_time_rate(timestamptz, timestamptz, timestamptz)'::regprocedure), 's'::"char", 'on_time_rate is PARALLEL SAFE');
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size; RESET max_parallel_workers_per_gather;

SELECT * FROM finish();
