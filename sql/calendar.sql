-- Business calendars: a short walk through the SQL interface (regression output).
-- Everything runs inside a transaction that is rolled back.
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
BEGIN;
SELECT gm.create_calendar('reg_t', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00');
SELECT gm.set_calendar_day('reg_t', '2026-05-01', false, 'Labour Day');
SELECT gm.set_calendar_day('reg_t', '2026-05-10', true, 'make-up Sunday', '10:00-16:00');
SELECT gm.calendar('reg_t');
SELECT d::date AS day, gm.is_workday(d::date, 'reg_t') AS reg_t, gm.is_workday(d::date, 'cn') AS cn
FROM generate_series('2026-04-30'::date, '2026-05-11', '1 day') g(d);
SELECT n, gm.add_working_days('2026-04-30', n, 'reg_t') AS reg_t, gm.add_working_days('2026-04-30', n, 'cn') AS cn
FROM generate_series(-2, 4) n;
SELECT gm.add_working_time('2026-05-09 11:00', '2 hours', 'reg_t') AS sat_to_sun,
       gm.add_working_time('2026-05-10 15:00', '2 hours', 'reg_t') AS sun_to_mon,
       gm.working_time_between('2026-05-08 09:00', '2026-05-11 18:00', 'reg_t') AS fri_to_mon;
SELECT * FROM gm.day_info('2026-05-09', 'cn');
SELECT gm.followup_due('proposal', '2026-04-30 15:00', NULL, 'cn') AS proposal_due,
       gm.followup_light('2026-04-30 15:00', gm.followup_due('proposal', '2026-04-30 15:00', NULL, 'cn'), '2026-05-08 10:00') AS light;
SELECT gm.normalize_working_hours('Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:60');
ROLLBACK;
SELECT count(*) AS user_calendars FROM gm.calendar_def WHERE origin = 'user';
