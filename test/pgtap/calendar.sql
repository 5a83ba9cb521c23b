-- Business calendars (issue 5): parser, tables, the gm.calendar value, working-day and
-- working-time arithmetic (edges, DST, year ends, empty calendars), imports, cache invalidation.
SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SELECT plan(120);

-- error helper: 'SQLSTATE: message | detail'
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE s text; m text; d text;
BEGIN
  EXECUTE q;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS s = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
  RETURN s || ': ' || m || coalesce(' | ' || nullif(d, ''), '');
END $$;

-- working-hours parser ------------------------------------------------------------------
SELECT is(gm.normalize_working_hours('Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00'),
          'Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00', 'hours: canonical text unchanged');
SELECT is(gm.normalize_working_hours('  mon,Tue,wednesday-FRI 09:00-18:00 ;'), 'Mon-Fri 09:00-18:00',
          'hours: day lists, full names, any case, trailing ;');
SELECT is(gm.normalize_working_hours('Sat-Mon 08:00-24:00'), 'Mon 08:00-24:00; Sat-Sun 08:00-24:00',
          'hours: a day range may wrap around the week; 24:00 ends a day');
SELECT is(gm.normalize_working_hours('Mon 09:00-12:00; Wed 09:00-12:00'), 'Mon 09:00-12:00; Wed 09:00-12:00',
          'hours: non-adjacent days stay separate groups');
SELECT is(gm.normalize_working_hours(''), '', 'hours: empty text = no working time');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:60')$$),
          '22P02: invalid working hours "Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:60" | expected a time HH:MM (00:00 to 24:00) at position 44.',
          'hours: bad minute -> 22P02 with the position');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon 09:00-12:00,11:00-13:00')$$),
          '22P02: invalid working hours "Mon 09:00-12:00,11:00-13:00" | windows must be in order and must not overlap or touch at position 23.',
          'hours: overlapping windows -> 22P02 with the position');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon-Fri 09:00-18:00; Fri 09:00-12:00')$$),
          '22P02: invalid working hours "Mon-Fri 09:00-18:00; Fri 09:00-12:00" | Fri is given twice at position 25.',
          'hours: a day given twice -> 22P02');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mox 09:00-12:00')$$),
          '22P02: invalid working hours "Mox 09:00-12:00" | expected a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun) at position 1.',
          'hours: unknown day name -> 22P02 at position 1');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon-Fri09:00-12:00')$$),
          '22P02: invalid working hours "Mon-Fri09:00-12:00" | expected a space between the days and their windows at position 8.',
          'hours: missing space -> 22P02');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon 12:00-09:00')$$),
          '22P02: invalid working hours "Mon 12:00-09:00" | a window must end after it starts at position 11.',
          'hours: a window ending before it starts -> 22P02');
SELECT is(pg_temp.err($$SELECT gm.normalize_working_hours('Mon 09:00-18:00 Tue')$$),
          '22P02: invalid working hours "Mon 09:00-18:00 Tue" | expected '';'' or the end of the text at position 17.',
          'hours: garbage after the windows -> 22P02');

-- creating calendars -------------------------------------------------------------------------
SELECT lives_ok($$SELECT gm.create_calendar('t', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00')$$,
                'create_calendar (acceptance call)');
SELECT lives_ok($$SELECT gm.set_calendar_day('t', d, false, 'holiday') FROM unnest('{2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07}'::date[]) d$$,
                'set_calendar_day holidays (acceptance call)');
SELECT lives_ok($$SELECT gm.set_calendar_day('t', d, true, 'make-up workday') FROM unnest('{2026-01-04,2026-02-14,2026-02-28,2026-09-20,2026-10-10}'::date[]) d$$,
                'set_calendar_day make-up working days (acceptance call)');
SELECT throws_ok($$SELECT gm.create_calendar('x', 'Asia/Shangai', 'Mon-Fri 09:00-18:00')$$, '22023',
                 'time zone "Asia/Shangai" not recognized', 'create_calendar: unknown time zone -> 22023');
SELECT throws_ok($$SELECT gm.create_calendar('x', 'UTC', 'Mon-Fri 9:00-18:00')$$, '22P02', NULL,
                 'create_calendar: bad working hours -> 22P02');
SELECT throws_ok($$SELECT gm.create_calendar(NULL, 'UTC', 'Mon 09:00-10:00')$$, '22004', NULL, 'create_calendar: NULL name -> 22004');
SELECT throws_ok($$SELECT gm.create_calendar('x', 'UTC', 'Mon 09:00-10:00', 'nope')$$, '42704',
                 'calendar "nope" does not exist', 'create_calendar: unknown base -> 42704');
SELECT throws_ok($$SELECT gm.set_calendar_day('nope', '2026-01-01', false)$$, '42704',
                 'calendar "nope" does not exist', 'set_calendar_day: unknown calendar -> 42704');
SELECT throws_ok($$SELECT gm.set_calendar_day('t', '2026-01-05', false, 'x', '09:00-10:00')$$, '22023', NULL,
                 'set_calendar_day: a closed day with hours -> 22023');
SELECT throws_ok($$SELECT gm.set_calendar_day('t', 'infinity', false)$$, '22008', NULL, 'set_calendar_day: infinite day -> 22008');
SELECT throws_ok($$SELECT gm.calendar('nope')$$, '42704', 'calendar "nope" does not exist', 'gm.calendar: unknown name -> 42704');
SELECT throws_ok($$SELECT gm.add_working_days('2026-01-01', 1, 'nope')$$, '42704', NULL, 'add_working_days: unknown calendar -> 42704');
SELECT throws_ok($$SELECT gm.add_working_time(now(), '1 hour', 'nope')$$, '42704', NULL, 'add_working_time: unknown calendar -> 42704');

-- the value --------------------------------------------------------------------------------------
SELECT is(gm.calendar('t')::text,
  'name=t|tz=Asia/Shanghai|hours=Mon-Fri 09:00-12:00,13:30-18:00|off=2026-01-01..2026-01-02 2026-02-16..2026-02-20 2026-02-23 2026-10-01..2026-10-02 2026-10-05..2026-10-07|on=2026-01-04 2026-02-14 2026-02-28 2026-09-20 2026-10-10',
  'gm.calendar(name): canonical text form');
SELECT is(gm.calendar('t')::text::gm.calendar::text, gm.calendar('t')::text, 'text form round-trips exactly');
SELECT is(gm.calendar(name)::text, gm.calendar('t')::text, 'gm.calendar(text column) equals gm.calendar(''t'')')
  FROM (VALUES ('t'::text)) v(name);
SELECT is(convert_from(substr(gm.calendar_send(gm.calendar('t')), 2), 'UTF8'), gm.calendar('t')::text,
          'binary form carries the text form');
SELECT current_setting('data_directory') || '/gm_calendar_binary_' || pg_backend_pid() AS binfile \gset
CREATE TEMP TABLE cal_bin (c gm.calendar);
COPY (SELECT gm.calendar('t')) TO :'binfile' (FORMAT binary);
COPY cal_bin FROM :'binfile' (FORMAT binary);
SELECT is((SELECT c::text FROM cal_bin), gm.calendar('t')::text, 'binary COPY out and in (send / receive) keeps the value');
SELECT is('off=2026-03-09..2026-03-11 2026-03-14|on=2026-03-07@10:00-12:00 2026-03-08 2026-03-02|tz=utc|hours=mon-fri 09:00-17:00|years=2026|outside=plain'::gm.calendar::text,
          'tz=UTC|hours=Mon-Fri 09:00-17:00|years=2026|outside=plain|off=2026-03-09..2026-03-11|on=2026-03-07@10:00-12:00 2026-03-08',
          'value input: any key order; days equal to the weekly pattern dropped; ranges joined; windows kept');
SELECT throws_ok($$SELECT 'tz=UTC|hours=Mon 09:00-10:00|off=2026-03-02 2026-03-02'::gm.calendar$$, '22P02',
                 'invalid input syntax for type gm.calendar: day 2026-03-02 is given twice', 'value: a day twice -> 22P02');
SELECT throws_ok($$SELECT 'tz=UTC|hours=Mon 09:00-10:00|off=2026-02-30'::gm.calendar$$, '22P02', NULL, 'value: bad date -> 22P02');
SELECT throws_ok($$SELECT 'hours=Mon 09:00-10:00'::gm.calendar$$, '22P02', NULL, 'value: no time zone -> 22P02');
SELECT throws_ok($$SELECT 'tz=Mars/Olympus|hours='::gm.calendar$$, '22023', NULL, 'value: unknown time zone -> 22023');
SELECT throws_ok($$SELECT 'tz=UTC|hours=|colour=red'::gm.calendar$$, '22P02', NULL, 'value: unknown key -> 22P02');
SELECT throws_ok($$SELECT 'cn'::gm.calendar$$, '22P02', NULL, 'value: a bare name is not a value');

-- working days: equal to the calendar-table answer for every day of 2026 and n in -20..20 ----------
CREATE TEMP TABLE cal AS SELECT d::date AS day, (extract(isodow from d) < 6) AS wd FROM generate_series('2025-06-01'::date, '2027-06-30', '1 day') d;
UPDATE cal SET wd = false WHERE day = ANY('{2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07}');
UPDATE cal SET wd = true WHERE day = ANY('{2026-01-04,2026-02-14,2026-02-28,2026-09-20,2026-10-10}');
CREATE TEMP TABLE probe AS SELECT d::date AS d, n FROM generate_series('2026-01-01'::date, '2026-12-31', '1 day') d, generate_series(-20, 20) n;
SELECT is((SELECT count(*) FROM probe p WHERE gm.add_working_days(p.d, p.n, 't') IS DISTINCT FROM
             CASE WHEN p.n = 0 THEN (SELECT min(day) FROM cal WHERE day >= p.d AND wd)
                  WHEN p.n > 0 THEN (SELECT day FROM cal WHERE day > p.d AND wd ORDER BY day OFFSET p.n - 1 LIMIT 1)
                  ELSE (SELECT day FROM cal WHERE day < p.d AND wd ORDER BY day DESC OFFSET -p.n - 1 LIMIT 1) END),
          0::bigint, 'add_working_days(name) equals the calendar table for 365 days x n in -20..20');
SELECT is((SELECT count(*) FROM probe p WHERE gm.add_working_days(p.d, p.n, 't') IS DISTINCT FROM gm.add_working_days(p.d, p.n, gm.calendar('t'))),
          0::bigint, 'value and name variants agree');
SELECT is((SELECT count(*) FROM cal WHERE gm.is_workday(day, 't') IS DISTINCT FROM wd), 0::bigint, 'is_workday equals the table on 2025-06..2027-06');
SELECT is(gm.add_working_days('2026-02-13', 1, 't'), '2026-02-14'::date, 'Friday + 1 = the make-up Saturday');
SELECT is(gm.add_working_days('2026-02-14', 1, 't'), '2026-02-24'::date, 'make-up Saturday + 1 = after the holiday');
SELECT is(gm.add_working_days('2026-02-17', 0, 't'), '2026-02-24'::date, 'n = 0 on a holiday: the next working day');
SELECT is(gm.add_working_days('2026-02-14', 0, 't'), '2026-02-14'::date, 'n = 0 on a working day: the day itself');
SELECT is(gm.add_working_days('2026-02-24', -1, 't'), '2026-02-14'::date, 'n < 0 counts back over the holiday');
SELECT is(gm.add_working_days('2026-12-31', 1, 't'), '2027-01-01'::date, 'year end: into plain weeks (no official years on t)');
SELECT is(gm.add_working_days('2026-12-30', 600, 't'), '2029-04-18'::date, 'far beyond the exceptional days (plain weeks)');
SELECT is(gm.add_working_days('1999-12-31', -600, 't'), '1997-09-12'::date, 'far before the exceptional days');
SELECT throws_ok($$SELECT gm.add_working_days('2026-02-10', 2147483647, 't')$$, '22008', 'date out of range', 'a result beyond the date range -> 22008');
SELECT throws_ok($$SELECT gm.add_working_days('infinity', 1, 't')$$, '22008', NULL, 'infinite date -> 22008');
SELECT is(gm.add_working_days(NULL, 1, 't'), NULL, 'NULL day -> NULL');
SELECT is(gm.working_days_between('2026-02-01', '2026-02-28', 't'), 16, 'working days in February 2026 (20 weekdays - 6 off + 2 make-up)');
SELECT is(gm.working_days_between('2026-02-28', '2026-02-01', 't'), -16, 'working_days_between is negative when b < a');
SELECT is((SELECT count(*) FROM probe p WHERE p.n = 0 AND gm.working_days_between(p.d, p.d + 40, 't') <>
             (SELECT count(*) FROM cal WHERE day BETWEEN p.d AND p.d + 40 AND wd)), 0::bigint,
          'working_days_between equals a count on the table for every 41-day span of 2026');

-- working time ------------------------------------------------------------------------------------
SELECT is(gm.add_working_time('2026-03-02 10:00', '2 hours', 't'), '2026-03-02 12:00'::timestamptz,
          'amount used up at a window end returns that end (12:00, not 13:30)');
SELECT is(gm.add_working_time('2026-03-02 10:00', '2 hours 1 minute', 't'), '2026-03-02 13:31'::timestamptz, 'continues after the lunch break');
SELECT is(gm.add_working_time('2026-03-02 10:00', '0', 't'), '2026-03-02 10:00'::timestamptz, 'add 0 inside working time = ts');
SELECT is(gm.add_working_time('2026-03-02 12:00', '0', 't'), '2026-03-02 12:00'::timestamptz, 'add 0 at a window end = ts (ends included)');
SELECT is(gm.add_working_time('2026-03-02 12:30', '0', 't'), '2026-03-02 13:30'::timestamptz, 'add 0 in the lunch break = next window start');
SELECT is(gm.add_working_time('2026-03-06 18:01', '0', 't'), '2026-03-09 09:00'::timestamptz, 'add 0 on Friday evening = Monday 09:00');
SELECT is(gm.add_working_time('2026-02-15 10:00', '0', 't'), '2026-02-24 09:00'::timestamptz, 'add 0 in a holiday = after it');
SELECT is(gm.add_working_time('2026-02-13 17:00', '2 hours', 't'), '2026-02-14 10:00'::timestamptz, 'a make-up Saturday has the weekday windows');
SELECT is(gm.add_working_time('2026-03-02 14:00', '-30 minutes', 't'), '2026-03-02 13:30'::timestamptz, 'negative: used up at a window start returns that start');
SELECT is(gm.add_working_time('2026-03-02 14:00', '-1 hour', 't'), '2026-03-02 11:30'::timestamptz, 'negative: back over the lunch break');
SELECT is(gm.add_working_time('2026-03-02 09:00', '-1 minute', 't'), '2026-02-28 17:59'::timestamptz, 'negative: back to the previous working day (the make-up Saturday)');
SELECT is(gm.add_working_time('2026-03-02 09:00', '1 day', 't'), '2026-03-05 10:30'::timestamptz, 'a day in the amount counts 24 working hours (3 x 7.5 h + 1.5 h)');
SELECT is(gm.add_working_time('2026-12-31 17:00', '2 hours', 't'), '2027-01-01 10:00'::timestamptz, 'year end');
SELECT throws_ok($$SELECT gm.add_working_time('2026-03-02 09:00', '1 month', 't')$$, '0A000', NULL, 'months in the amount -> 0A000');
SELECT throws_ok($$SELECT gm.add_working_time('infinity', '1 hour', 't')$$, '22008', NULL, 'infinite timestamp -> 22008');
SELECT is(gm.working_time_between('2026-03-02 10:00', '2026-03-03 10:00', 't'), '07:30:00'::interval, 'working_time_between over a night');
SELECT is(gm.working_time_between('2026-03-03 10:00', '2026-03-02 10:00', 't'), '-07:30:00'::interval, 'negative when b < a');
SELECT is(gm.working_time_between('2026-03-02 00:00', '2026-03-09 00:00', 't'), '37:30:00'::interval, 'a whole week = 5 x 7.5 h');
SELECT is(gm.working_time_between('2026-12-31 17:00', '2027-01-04 10:00', 't'), '09:30:00'::interval, 'across the year end');
SELECT is(gm.working_time_between('2026-03-02 12:10', '2026-03-02 13:00', 't'), '00:00:00'::interval, 'inside the lunch break: zero');
SELECT is((SELECT count(*) FROM generate_series(1, 300) i,
                 LATERAL (SELECT '2026-01-01 08:00'::timestamptz + (i * 97) * interval '1 hour 7 minutes' AS ts,
                                 (i % 23) * interval '1 hour 13 minutes' AS amt) x
           WHERE gm.working_time_between(x.ts, gm.add_working_time(x.ts, x.amt, 't'), 't') <> x.amt), 0::bigint,
          'working_time_between(ts, add_working_time(ts, a)) = a on 300 random points');
SELECT is((SELECT count(*) FROM generate_series(1, 300) i,
                 LATERAL (SELECT '2026-01-01 08:00'::timestamptz + (i * 97) * interval '1 hour 7 minutes' AS ts,
                                 (i % 23) * interval '1 hour 13 minutes' AS amt) x
           WHERE gm.working_time_between(gm.add_working_time(x.ts, -x.amt, 't'), x.ts, 't') <> x.amt), 0::bigint,
          'negative amounts mirror: working time from add_working_time(ts, -a) to ts = a');

-- paused spans
SELECT is(gm.working_time_between('2026-03-02 09:00', '2026-03-02 18:00', 't', '{[2026-03-02 10:00, 2026-03-02 14:00)}'::tstzmultirange),
          '05:00:00'::interval, 'a paused span is subtracted (only its working part)');
SELECT is(gm.working_time_between('2026-03-02 09:00', '2026-03-02 18:00', 't',
            ARRAY['[2026-03-02 10:00, 2026-03-02 11:00)', '[2026-03-02 10:30, 2026-03-02 14:00)']::tstzrange[]),
          '05:00:00'::interval, 'overlapping paused spans count once');
SELECT is(gm.working_time_between('2026-03-02 18:00', '2026-03-02 09:00', gm.calendar('t'), '{[2026-03-02 10:00,)}'::tstzmultirange),
          '-01:00:00'::interval, 'unbounded pause, b < a: negative');
SELECT is(gm.working_time_between('2026-03-02 09:00', '2026-03-02 18:00', 't', '{}'::tstzmultirange),
          '07:30:00'::interval, 'no pauses');

-- DST, midnight
SELECT lives_ok($$SELECT gm.create_calendar('ny', 'America/New_York', 'Mon-Sun 00:00-24:00')$$, 'round-the-clock calendar in New York');
SELECT is(gm.working_time_between('2026-03-08 00:00-05', '2026-03-09 00:00-04', 'ny'), '23:00:00'::interval, 'spring-forward day has 23 working hours');
SELECT is(gm.working_time_between('2026-11-01 00:00-04', '2026-11-02 00:00-05', 'ny'), '25:00:00'::interval, 'fall-back day has 25 working hours');
SELECT is(gm.add_working_time('2026-03-08 01:30-05', '1 hour', 'ny'), '2026-03-08 03:30-04'::timestamptz, 'adding over the spring-forward gap');
SELECT lives_ok($$SELECT gm.create_calendar('berlin', 'Europe/Berlin', 'Mon-Fri 09:00-18:00')$$, 'office calendar in Berlin');
SELECT is(gm.add_working_time('2026-03-27 17:00+01', '2 hours', 'berlin'), '2026-03-30 10:00+02'::timestamptz, 'office hours follow local time across DST');
SELECT is(gm.working_time_between('2026-03-27 09:00+01', '2026-03-30 18:00+02', 'berlin'), '18:00:00'::interval, 'two 9-hour days across DST');
SELECT lives_ok($$SELECT gm.create_calendar('night', 'UTC', 'Mon-Fri 00:00-06:00,22:00-24:00')$$, 'night-shift calendar');
SELECT is(gm.add_working_time('2026-03-02 23:00+00', '2 hours', 'night'), '2026-03-03 01:00+00'::timestamptz, 'working time across midnight');
SELECT is(gm.add_working_time('2026-03-06 23:00+00', '2 hours', 'night'), '2026-03-09 01:00+00'::timestamptz, 'Friday night into Monday');

-- empty calendars: an error, not a loop
SELECT lives_ok($$SELECT gm.create_calendar('empty', 'UTC', '')$$, 'a calendar without working hours');
SELECT throws_ok($$SELECT gm.add_working_days('2026-03-02', 1, 'empty')$$, '55000', 'calendar "empty" has no working time', 'add_working_days on an empty calendar -> 55000');
SELECT throws_ok($$SELECT gm.add_working_time('2026-03-02', '1 hour', 'empty')$$, '55000', NULL, 'add_working_time on an empty calendar -> 55000');
SELECT is(gm.working_time_between('2026-03-02', '2026-03-09', 'empty'), '00:00:00'::interval, 'no working time between two instants');
SELECT lives_ok($$SELECT gm.set_calendar_day('empty', '2026-03-04', true, 'one day', '09:00-10:00')$$, 'a single working day with its own hours');
SELECT is(gm.add_working_days('2026-03-02', 1, 'empty'), '2026-03-04'::date, 'the only working day is found');
SELECT throws_ok($$SELECT gm.add_working_days('2026-03-02', 2, 'empty')$$, '55000', NULL, 'no second working day -> 55000, no loop');
SELECT is(gm.add_working_time('2026-03-04 09:30+00', '30 minutes', 'empty'), '2026-03-04 10:00+00'::timestamptz, 'working time on the only day');
SELECT throws_ok($$SELECT gm.set_calendar_day('empty', '2026-03-05', true)$$, '22P02', NULL, 'a working day without hours on a calendar without hours -> 22P02');

-- imports -----------------------------------------------------------------------------------------
SELECT is(gm.import_calendar_days('berlin', '{2026-04-03,2026-04-06,2026-04-03}', false, 'Easter'), 2, 'import a list of days (duplicates once)');
SELECT is(gm.is_workday('2026-04-06', 'berlin'), false, 'imported day is off');
SELECT is(gm.import_calendar_ics('berlin', E'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261219\r\nSUMMARY:Make-up working day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'),
          4, 'import iCalendar text (DTEND exclusive; make-up event is a working day)');
SELECT is(ARRAY[gm.is_workday('2026-12-24', 'berlin'), gm.is_workday('2026-12-25', 'berlin'), gm.is_workday('2026-12-19', 'berlin'), gm.is_workday('2026-12-28', 'berlin')],
          ARRAY[false, false, true, true], 'imported ICS days');
SELECT throws_ok($$SELECT gm.import_calendar_ics('berlin', 'hello')$$, '22P02', NULL, 'not iCalendar text -> 22P02');

-- dropping ----------------------------------------------------------------------------------------
SELECT lives_ok($$SELECT gm.create_calendar('branch', NULL, NULL, 't')$$, 'a calendar based on t');
SELECT throws_ok($$SELECT gm.drop_calendar('t')$$, '2BP01', NULL, 'dropping a base calendar -> 2BP01');
SELECT throws_ok($$SELECT gm.drop_calendar('cn')$$, '42501', NULL, 'dropping the shipped calendar -> 42501');

-- cache invalidation across sessions ------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=postgres',
    current_setting('unix_socket_directories'), current_setting('port'), current_database()));
SELECT is((SELECT d FROM dblink('other', $$SELECT gm.add_working_days('2026-03-02', 1, 't')$$) AS x(d date)), '2026-03-03'::date,
          'other session: before the change');
SELECT gm.set_calendar_day('t', '2026-03-03', false, 'closure');
SELECT is((SELECT d FROM dblink('other', $$SELECT gm.add_working_days('2026-03-02', 1, 't')$$) AS x(d date)), '2026-03-04'::date,
          'other session sees the committed change at once');
BEGIN;
SELECT gm.set_calendar_day('t', '2026-03-04', false, 'closure');
SELECT is(gm.add_working_days('2026-03-02', 1, 't'), '2026-03-05'::date, 'own session sees its uncommitted change');
SELECT is((SELECT d FROM dblink('other', $$SELECT gm.add_working_days('2026-03-02', 1, 't')$$) AS x(d date)), '2026-03-04'::date,
          'other session does not see an uncommitted change');
ROLLBACK;
SELECT is(gm.add_working_days('2026-03-02', 1, 't'), '2026-03-04'::date, 'after ROLLBACK the own session forgets the change');
SELECT is(gm.add_working_days('2026-03-02', 1, 'branch'), '2026-03-04'::date, 'a based-on calendar sees the change of its base');
SELECT dblink_disconnect('other');

-- an unprivileged role reads calendars by name; changing them needs table privileges
DO $$ BEGIN CREATE ROLE gm_cal_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
GRANT USAGE ON SCHEMA gm TO gm_cal_reader;
SET ROLE gm_cal_reader;
SELECT is(gm.add_working_days('2026-02-13', 1, 't'), '2026-02-14'::date, 'a role without table privileges can use a calendar by name');
SELECT throws_ok($$SELECT gm.set_calendar_day('t', '2026-06-01', false)$$, '42501', NULL, 'but cannot change it');
RESET ROLE;
GRANT INSERT, UPDATE ON gm.calendar_day TO gm_cal_reader;
SET ROLE gm_cal_reader;
SELECT lives_ok($$SELECT gm.set_calendar_day('t', '2026-06-01', false)$$, 'with INSERT on gm.calendar_day it can, and the compiled copy follows');
RESET ROLE;
SELECT is(gm.is_workday('2026-06-01', 't'), false, 'the change is seen');
DROP OWNED BY gm_cal_reader;
DROP ROLE gm_cal_reader;

-- plain weeks (no listed day near): the n-th working day by a table of weekday offsets must
-- equal counting day by day, for odd weekly patterns, both directions, every start weekday
SELECT gm.create_calendar('pw_tt', 'UTC', 'Tue,Thu 09:00-17:00');
SELECT gm.create_calendar('pw_sat', 'UTC', 'Sat 10:00-12:00');
SELECT gm.create_calendar('pw_six', 'UTC', 'Mon-Sat 08:00-12:00');
CREATE TEMP TABLE pw AS
SELECT c.name, s.d::date AS d, n.n,
       gm.add_working_days(s.d::date, n.n, c.name) AS got,
       CASE WHEN n.n > 0 THEN
              (SELECT x::date FROM generate_series(s.d + 1, s.d + 400, '1 day') x
               WHERE (c.mask >> (extract(isodow FROM x)::int - 1)) & 1 = 1 ORDER BY x OFFSET n.n - 1 LIMIT 1)
            WHEN n.n < 0 THEN
              (SELECT x::date FROM generate_series(s.d - 1, s.d - 400, '-1 day') x
               WHERE (c.mask >> (extract(isodow FROM x)::int - 1)) & 1 = 1 ORDER BY x DESC OFFSET -n.n - 1 LIMIT 1)
            ELSE
              (SELECT x::date FROM generate_series(s.d, s.d + 400, '1 day') x
               WHERE (c.mask >> (extract(isodow FROM x)::int - 1)) & 1 = 1 ORDER BY x LIMIT 1) END AS want
FROM (VALUES ('pw_tt', 10), ('pw_sat', 32), ('pw_six', 63)) c(name, mask),
     (SELECT g::date FROM generate_series('2031-03-02'::date, '2031-03-08', '1 day') g) s(d),
     generate_series(-13, 13) n(n);
SELECT is((SELECT count(*) FROM pw WHERE got IS DISTINCT FROM want), 0::bigint,
          'plain weeks: add_working_days equals counting day by day (Tue/Thu, Sat only, Mon-Sat; n -13..13)');
SELECT is(gm.add_working_days('2031-03-03', 1000, 'pw_sat'), '2031-03-08'::date + 7 * 999,
          'plain weeks: the 1000th Saturday after a Monday');
SELECT is(gm.add_working_days('2031-03-03', -1000, 'pw_tt'), '2031-02-25'::date - 7 * 499,
          'plain weeks: 1000 Tue/Thu days back from a Monday');

SELECT * FROM finish();
