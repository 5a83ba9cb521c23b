-- The official mainland China calendar 'cn' (issue 12): every day off and make-up day of
-- 2024-2026 as the State Council notices publish them, working days per year 2010-2026,
-- the refusal outside the official years, based-on calendars, next year's notice, day_info.
SET client_min_messages = warning;
SET timezone = 'Asia/Shanghai';
SET datestyle = 'ISO, YMD';
SELECT plan(59);

-- ready the moment CREATE EXTENSION returns
SELECT is(gm.add_working_days('2026-02-13', 3, 'cn'), '2026-02-25'::date,
          'Friday before the 2026 Spring Festival + 3 working days = 2/25 (2/14 make-up, 2/15-2/23 off)');
SELECT is(gm.calendar_years(gm.calendar('cn')), ARRAY[2010, 2026], 'official years 2010-2026');
SELECT is(gm.calendar_time_zone(gm.calendar('cn')), 'Asia/Shanghai', 'time zone Asia/Shanghai');

-- the notices of 2024, 2025, 2026, typed in from the notices (whole holiday periods)
CREATE TEMP TABLE notice_off AS
SELECT g::date AS day FROM (VALUES
  -- 2024 (国办发明电〔2023〕7号): 元旦 1/1; 春节 2/10-2/17; 清明 4/4-4/6; 劳动节 5/1-5/5; 端午 6/10 with the weekend; 中秋 9/15-9/17; 国庆 10/1-10/7
  ('2024-01-01', '2024-01-01'), ('2024-02-10', '2024-02-17'), ('2024-04-04', '2024-04-06'), ('2024-05-01', '2024-05-05'),
  ('2024-06-08', '2024-06-10'), ('2024-09-15', '2024-09-17'), ('2024-10-01', '2024-10-07'),
  -- 2025: 元旦 1/1; 春节 1/28-2/4; 清明 4/4-4/6; 劳动节 5/1-5/5; 端午 5/31-6/2; 国庆中秋 10/1-10/8
  ('2025-01-01', '2025-01-01'), ('2025-01-28', '2025-02-04'), ('2025-04-04', '2025-04-06'), ('2025-05-01', '2025-05-05'),
  ('2025-05-31', '2025-06-02'), ('2025-10-01', '2025-10-08'),
  -- 2026: 元旦 1/1-1/3; 春节 2/15-2/23; 清明 4/4-4/6; 劳动节 5/1-5/5; 端午 6/19-6/21; 中秋 9/25-9/27; 国庆 10/1-10/7
  ('2026-01-01', '2026-01-03'), ('2026-02-15', '2026-02-23'), ('2026-04-04', '2026-04-06'), ('2026-05-01', '2026-05-05'),
  ('2026-06-19', '2026-06-21'), ('2026-09-25', '2026-09-27'), ('2026-10-01', '2026-10-07')) v(a, b),
  generate_series(a::date, b::date, '1 day') g;
CREATE TEMP TABLE notice_on AS
SELECT d::date AS day FROM unnest('{2024-02-04,2024-02-18,2024-04-07,2024-04-28,2024-05-11,2024-09-14,2024-09-29,2024-10-12,
  2025-01-26,2025-02-08,2025-04-27,2025-09-28,2025-10-11,
  2026-01-04,2026-02-14,2026-02-28,2026-05-09,2026-09-20,2026-10-10}'::date[]) d;

SELECT set_eq($$SELECT day FROM gm.calendar_days('cn') WHERE NOT is_workday AND day BETWEEN '2024-01-01' AND '2026-12-31'$$,
              $$SELECT day FROM notice_off$$, 'every day off of 2024-2026 is in the calendar, and no other');
SELECT set_eq($$SELECT day FROM gm.calendar_days('cn') WHERE is_workday AND day BETWEEN '2024-01-01' AND '2026-12-31'$$,
              $$SELECT day FROM notice_on$$, 'every make-up day of 2024-2026 is in the calendar, and no other');
SELECT is((SELECT count(*) FROM generate_series('2024-01-01'::date, '2026-12-31', '1 day') g(d)
           WHERE gm.is_workday(d::date, 'cn') IS DISTINCT FROM
                 (d::date IN (SELECT day FROM notice_on) OR (extract(isodow FROM d) < 6 AND d::date NOT IN (SELECT day FROM notice_off)))),
          0::bigint, 'gm.is_workday on every day of 2024-2026 follows the notices');
SELECT is(ARRAY(SELECT gm.is_workday(d, 'cn') FROM unnest('{2026-02-14,2026-02-15,2026-02-23,2026-02-24,2026-02-28,2026-09-20,2026-10-01,2026-10-07,2026-10-08,2026-10-10}'::date[]) d),
          '{t,f,f,t,t,t,f,f,t,t}'::boolean[], '2026: Spring Festival 2/15-2/23 with 2/14 and 2/28; National Day 10/1-10/7 with 9/20 and 10/10');

-- working days per year, counted from each notice (Mon-Fri - weekdays off + make-up days)
SELECT results_eq(
  $$SELECT y, gm.working_days_between(make_date(y, 1, 1), make_date(y, 12, 31), 'cn') FROM generate_series(2010, 2026) y ORDER BY y$$,
  $$VALUES (2010, 250), (2011, 250), (2012, 249), (2013, 250), (2014, 250), (2015, 249), (2016, 250), (2017, 249),
           (2018, 250), (2019, 250), (2020, 249), (2021, 250), (2022, 249), (2023, 249), (2024, 251), (2025, 248), (2026, 248)$$,
  'working days per year 2010-2026 (C arithmetic on the compiled calendar)');
SELECT is((SELECT count(*) FROM generate_series(2010, 2026) y
           WHERE gm.working_days_between(make_date(y, 1, 1), make_date(y, 12, 31), 'cn') <>
                 (SELECT count(*) FROM generate_series(make_date(y, 1, 1), make_date(y, 12, 31), '1 day') g(d)
                  LEFT JOIN gm.cn_official_day o ON o.day = g.d::date
                  WHERE coalesce(o.is_workday, extract(isodow FROM g.d) < 6))), 0::bigint,
          'working days per year equal a count over gm.cn_official_day');
SELECT is((SELECT count(*) FROM generate_series('2010-01-01'::date, '2026-12-10', '1 day') g(dt), LATERAL (SELECT dt::date AS d) x
           WHERE gm.add_working_days(x.d, 5, 'cn') <>
                 (SELECT c.d::date FROM generate_series(x.d + 1, x.d + 60, '1 day') c(d) LEFT JOIN gm.cn_official_day o ON o.day = c.d::date
                  WHERE coalesce(o.is_workday, extract(isodow FROM c.d) < 6) ORDER BY c.d OFFSET 4 LIMIT 1)), 0::bigint,
          'add_working_days(d, 5, ''cn'') on every day of 2010-2026 equals the table answer');

-- outside the official years: a clear error, never a guess
SELECT throws_ok($$SELECT gm.add_working_days('2027-03-01', 1, 'cn')$$, '22008',
  'calendar "cn" has official data for 2010 to 2026 only: 2027-03-01 is outside (last known year 2026)', 'a date in 2027 -> 22008 naming 2026');
SELECT throws_ok($$SELECT gm.is_workday('2009-12-31', 'cn')$$, '22008', NULL, 'a date in 2009 -> 22008');
SELECT throws_ok($$SELECT gm.add_working_days('2026-12-30', 3, 'cn')$$, '22008',
  'calendar "cn" has official data for 2010 to 2026 only: 2027-01-04 is outside (last known year 2026)', 'a span crossing into 2027 is refused');
SELECT throws_ok($$SELECT gm.working_time_between('2026-12-31 10:00', '2027-01-02 10:00', 'cn')$$, '22008', NULL,
  'working_time_between into 2027 is refused');
SELECT throws_ok($$SELECT gm.add_working_time('2026-12-31 17:00', '2 hours', 'cn')$$, '22008', NULL,
  'add_working_time into 2027 is refused');
SELECT throws_ok($$SELECT * FROM gm.day_info('2027-01-01', 'cn')$$, '22008', NULL, 'day_info in 2027 -> 22008');
SELECT is(gm.add_working_days('2026-12-30', 1, 'cn'), '2026-12-31'::date, 'inside the last year: fine');
SELECT lives_ok($$SELECT gm.set_calendar_outside_years('cn', 'plain')$$, 'switch cn to plain weeks outside its years');
SELECT is(gm.add_working_days('2026-12-30', 3, 'cn'), '2027-01-04'::date, 'plain weeks after 2026 when allowed');
SELECT throws_ok($$SELECT gm.set_calendar_outside_years('cn', 'guess')$$, '22023', NULL, 'unknown mode -> 22023');
SELECT lives_ok($$SELECT gm.reset_calendar('cn')$$, 'reset cn to what the extension ships');
SELECT throws_ok($$SELECT gm.add_working_days('2026-12-30', 3, 'cn')$$, '22008', NULL, 'after the reset the error is back');

-- day_info
SELECT is((SELECT row(is_workday, kind, holiday)::text FROM gm.day_info('2026-02-14', 'cn')), '(t,"调休 make-up working day",春节)',
          'day_info: 2/14 is a make-up day for the Spring Festival');
SELECT is((SELECT row(is_workday, kind, holiday, holiday_en)::text FROM gm.day_info('2026-02-16', 'cn')), '(f,holiday,春节,"Spring Festival")',
          'day_info: 2/16 is the Spring Festival holiday');
SELECT is((SELECT row(is_workday, kind, holiday)::text FROM gm.day_info('2026-02-15', 'cn')), '(f,"holiday (on a weekend)",春节)',
          'day_info: a Sunday inside the holiday');
SELECT is((SELECT row(is_workday, kind, holiday)::text FROM gm.day_info('2026-03-07', 'cn')), '(f,weekend,)', 'day_info: a plain weekend');
SELECT is((SELECT row(is_workday, kind, holiday)::text FROM gm.day_info('2026-03-09', 'cn')), '(t,"working day",)', 'day_info: a plain working day');
SELECT throws_ok($$SELECT * FROM gm.day_info('2026-03-09', 'nope')$$, '42704', NULL, 'day_info: unknown calendar -> 42704');

-- a company calendar based on cn; next year's notice applied to cn flows into it
SELECT lives_ok($$SELECT gm.create_calendar('acme', NULL, 'Mon-Fri 08:30-17:30', 'cn')$$, 'acme: based on cn with its own hours');
SELECT lives_ok($$SELECT gm.set_calendar_day('acme', '2026-03-06', false, 'company anniversary')$$, 'acme: own closure');
SELECT is(gm.calendar_time_zone(gm.calendar('acme')), 'Asia/Shanghai', 'acme inherits the time zone');
SELECT is(gm.add_working_days('2026-02-13', 3, 'acme'), '2026-02-25'::date, 'acme inherits the holidays and make-up days');
SELECT is(gm.add_working_days('2026-03-05', 1, 'acme'), '2026-03-09'::date, 'acme has its own closure, cn does not')
UNION ALL SELECT is(gm.add_working_days('2026-03-05', 1, 'cn'), '2026-03-06'::date, 'cn unchanged by acme');
SELECT throws_ok($$SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-02-05,2027-02-12]', '[2027-02-12,2027-02-14]']::daterange[], '{}')$$,
  '23P01', NULL, 'notice: overlapping holiday ranges -> 23P01');
SELECT throws_ok($$SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-02-05,2027-02-12]']::daterange[], '{2027-02-07}')$$,
  '22000', 'make-up day 2027-02-07 lies inside the holiday [2027-02-05,2027-02-13)', 'notice: a make-up day inside a holiday -> 22000');
SELECT throws_ok($$SELECT gm.apply_holiday_notice('cn', 2026, ARRAY['[2026-02-05,2026-02-06]']::daterange[], '{}')$$,
  '23505', NULL, 'notice: a year cn already has -> 23505');
SELECT throws_ok($$SELECT gm.apply_holiday_notice('cn', 2028, ARRAY['[2028-01-01,2028-01-01]']::daterange[], '{}')$$,
  '55000', NULL, 'notice: a year after a gap -> 55000');
SELECT lives_ok($$SELECT gm.set_calendar_day('cn', '2026-12-26', true, 'extra working day')$$, 'a user working day on cn (a Saturday)');
SELECT throws_ok($$SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2026-12-26,2026-12-27]']::daterange[], '{}')$$,
  '55000', 'the notice contradicts calendar "cn": 2026-12-26 is already a working day', 'notice: contradiction with a known day -> 55000');
SELECT is(gm.apply_holiday_notice('cn', 2027,
            ARRAY['[2027-01-01,2027-01-03]', '[2027-02-06,2027-02-14]']::daterange[], '{2027-02-20}',
            ARRAY['元旦', '春节'], '2026-11-10'), 13, 'apply the 2027 notice (plain form): 13 days');
SELECT is(gm.add_working_days('2027-02-05', 1, 'acme'), '2027-02-15'::date, 'acme sees the 2027 notice applied to cn at once');
SELECT is((SELECT row(kind, holiday)::text FROM gm.day_info('2027-02-20', 'acme')), '("调休 make-up working day",春节)',
          'the make-up day of 2027 makes up for the nearest holiday');
SELECT is(gm.apply_holiday_notice_ics('cn', 2028, E'BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20280125\nDTEND;VALUE=DATE:20280202\nSUMMARY:春节\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20280205\nSUMMARY:春节 补班\nEND:VEVENT\nEND:VCALENDAR\n'),
          9, 'apply the 2028 notice from iCalendar text');
SELECT is(gm.calendar_years(gm.calendar('acme')), ARRAY[2010, 2028], 'acme now knows 2010-2028 through cn');

-- the acceptance's redefinition of 'cn' on a fresh database, and its value shipped to a shard-like session
SELECT lives_ok($$SELECT gm.create_calendar('cn', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00')$$, 'create_calendar(''cn'', ...) redefines cn''s hours');
SELECT is(gm.working_time_between('2026-03-02 09:00', '2026-03-02 18:00', 'cn'), '07:30:00'::interval, 'cn has the new hours');
SELECT is(gm.add_working_days('2026-02-13', 3, 'cn'), '2026-02-25'::date, 'cn keeps its official days');
SELECT gm.calendar('cn')::text AS cn_text \gset
SET search_path = pg_catalog;
SET TimeZone = 'GMT';
CREATE TEMP TABLE shard_answer AS
SELECT gm.add_working_days('2026-02-13', 3, :'cn_text'::gm.calendar) AS due,
       (:'cn_text'::gm.calendar)::text AS txt;
RESET search_path;
RESET TimeZone;
SELECT is(due, '2026-02-25'::date, 'the value works with search_path = pg_catalog and TimeZone = GMT') FROM shard_answer;
SELECT is(txt, :'cn_text', 'and its text form round-trips exactly there') FROM shard_answer;

-- an upgrade that ships the 2027 notice: new shipped rows, the values of the user's rows untouched
SELECT gm.reset_calendar('cn');
SELECT is((SELECT string_agg(origin || '=' || n, ',' ORDER BY origin) FROM (
             SELECT origin, count(*) AS n FROM gm.calendar_day WHERE calendar = 'cn' GROUP BY origin) c),
          'shipped=' || (SELECT count(*) FROM gm.cn_official_day), 'the reset leaves only the shipped days of cn');
SELECT is((SELECT time_zone || ' ' || working_hours || ' ' || outside_years || ' ' || origin FROM gm.calendar_def WHERE name = 'cn'),
          'Asia/Shanghai Mon-Fri 09:00-18:00 error edited', 'and one row of cn with the shipped definition (the user edited it: it stays edited)');
SELECT gm.set_calendar_day('cn', '2026-12-26', true, 'extra working Saturday');
SELECT gm.apply_holiday_notice('cn', 2027, ARRAY['[2027-01-01,2027-01-03]']::daterange[], '{}', ARRAY['元旦']);
INSERT INTO gm.cn_official_day VALUES ('2027-01-01', false, '元旦', 'New Year''s Day', '2026-11-10'),
    ('2027-01-02', false, '元旦', 'New Year''s Day', '2026-11-10'), ('2027-01-03', false, '元旦', 'New Year''s Day', '2026-11-10'),
    ('2027-02-06', false, '春节', 'Spring Festival', '2026-11-10');
-- an upgrade script writes rows as it says (gm._config_row lets it): the origin triggers are off for the call
ALTER TABLE gm.calendar_day DISABLE TRIGGER calendar_day_origin;
ALTER TABLE gm.calendar_year DISABLE TRIGGER calendar_year_origin;
SELECT is(gm._cn_sync_official(), 4, 'upgrade: the new official rows are added to cn (1 new, 3 the user already had)');
ALTER TABLE gm.calendar_day ENABLE TRIGGER calendar_day_origin;
ALTER TABLE gm.calendar_year ENABLE TRIGGER calendar_year_origin;
SELECT is((SELECT string_agg(day || ':' || origin || ':' || coalesce(holiday_en, '-'), ',' ORDER BY day) FROM gm.calendar_day
           WHERE calendar = 'cn' AND origin <> 'shipped'),
          '2026-12-26:user:-,2027-01-01:edited:-,2027-01-02:edited:-,2027-01-03:edited:-',
          'upgrade: the user''s rows keep their values (1 own day; the 3 days of the user''s notice are now edits of the official days)');
SELECT is((SELECT count(*) FROM gm.calendar_day WHERE calendar = 'cn' AND day = '2027-02-06' AND origin = 'shipped'), 1::bigint,
          'upgrade: the new official day is a shipped row');
SELECT is((SELECT string_agg(year || ':' || origin, ',' ORDER BY year) FROM gm.calendar_year WHERE calendar = 'cn' AND year >= 2026),
          '2026:shipped,2027:edited', 'upgrade: the user''s year 2027 is now the edit of the official one');
SELECT is(gm.is_workday('2026-12-26', 'cn'), true, 'upgrade: the user''s extra working day still wins');
SELECT is(gm.is_workday('2027-02-06', 'acme'), false, 'upgrade: the shipped 2027 day reaches calendars based on cn');
SELECT is(gm.calendar_years(gm.calendar('cn')), ARRAY[2010, 2027], 'upgrade: official years extended to 2027');

SELECT * FROM finish();
