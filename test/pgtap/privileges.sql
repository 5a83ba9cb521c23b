-- privileges: an ordinary CRM / BI role (no superuser, no grants beyond PUBLIC) can call the
-- extension's API; configuration stays writable only by its owner; assignment history is private.
BEGIN;
SELECT plan(14);
SET LOCAL client_min_messages = warning;
INSERT INTO gm.grid(code, name, geom) VALUES ('PV-A', 'priv grid', ST_Multi(ST_MakeEnvelope(0, 0, 10, 10)));
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'gm_priv_app', 'manager' FROM gm.grid WHERE code = 'PV-A';
CREATE ROLE gm_priv_app NOLOGIN;
SET LOCAL ROLE gm_priv_app;

SELECT is(gm.assign_grid(ST_MakePoint(5, 5)), (SELECT grid_id FROM gm.grid WHERE code = 'PV-A'), 'assign_grid as an ordinary role');
SELECT is(gm.add_working_days('2026-02-13', 3, 'cn'), '2026-02-25'::date, 'add_working_days by calendar name as an ordinary role');
SELECT ok(gm.calendar('cn') IS NOT NULL, 'gm.calendar(name) as an ordinary role');
SELECT ok(gm.followup_due('proposal', '2026-02-13 16:00+08', 'standard', 'cn') IS NOT NULL, 'followup_due as an ordinary role');
SELECT is(gm.nps(s), 20.0, 'nps as an ordinary role') FROM unnest('{10,9,8,7,3}'::int[]) s;
SELECT is(gm.mask_phone('13812345678'), '138****5678', 'masking as an ordinary role');
SELECT ok(gm.lifecycle('2026-01-01', '2026-11-01', '2026-11-10', false, false, '2026-11-20') IS NOT NULL, 'lifecycle (reads gm.parameter) as an ordinary role');
SELECT is(gm.value_tier('555'::gm.rfm)::text, 'high', 'value_tier (reads gm.parameter) as an ordinary role');
SELECT is((SELECT count(*)::int FROM gm.my_grids()), 1, 'my_grids as an ordinary role');
SELECT lives_ok($$SELECT * FROM gm.grid_check()$$, 'grid_check as an ordinary role');
SELECT throws_ok($$INSERT INTO gm.grid(code, name, kind) VALUES ('PV-X', 'x', 'logical')$$, '42501', NULL, 'the registry is not writable by an ordinary role');
SELECT throws_ok($$SELECT gm.create_calendar('pv', 'UTC', 'Mon-Fri 09:00-17:00')$$, '42501', NULL, 'calendars are not writable by an ordinary role');
SELECT throws_ok($$SELECT * FROM gm.assignment_log$$, '42501', NULL, 'assignment history is not readable by an ordinary role');
SELECT throws_ok($$UPDATE gm.sla_policy SET amount = amount$$, '42501', NULL, 'SLA policies are not writable by an ordinary role');

SELECT * FROM finish();
ROLLBACK;
