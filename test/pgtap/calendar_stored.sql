-- calendar: values read from a table column (stored out of line by TOAST, or compressed inline)
-- are recognised by their stored form and compiled once, with the same answers as the literal
-- value, row after row and alternating between calendars (issue 18: the status view reads the
-- compiled calendar as a value).
SELECT plan(5);
SET client_min_messages = warning;

CREATE TEMP TABLE cal_src AS
SELECT n, c FROM (VALUES
    (1, gm.calendar('cn')),
    (2, ('name=long|tz=Europe/Berlin|hours=Mon-Fri 09:00-12:00,13:00-18:00|off='
         || (SELECT string_agg(to_char(d, 'YYYY-MM-DD'), ' ') FROM generate_series('2020-01-01'::date, '2030-12-31', '9 days') d))::gm.calendar),
    (3, 'name=short|tz=UTC|hours=Mon-Sat 08:00-20:00'::gm.calendar)) v(n, c);
CREATE TEMP TABLE cal_tab (n int, c gm.calendar);
INSERT INTO cal_tab SELECT n, c FROM cal_src;
SELECT ok((SELECT bool_or(pg_column_size(c) < octet_length(c::text)) FROM cal_tab), 'a stored calendar is compressed or out of line');
-- many rows, alternating calendars: every answer equals the one computed on the literal value
CREATE TEMP TABLE probe AS
SELECT i, 1 + i % 3 AS n, '2025-01-01'::date + (i * 7) % 600 AS d, (i % 9) - 4 AS k FROM generate_series(1, 3000) i;
SELECT is((SELECT count(*)::int FROM probe p JOIN cal_tab t USING (n) JOIN cal_src s USING (n)
           WHERE gm.add_working_days(p.d, p.k, t.c) IS DISTINCT FROM gm.add_working_days(p.d, p.k, s.c::text::gm.calendar)), 0,
          'add_working_days on stored calendars equals the literal values, rows alternating');
SELECT is((SELECT count(*)::int FROM probe p JOIN cal_tab t USING (n) JOIN cal_src s USING (n)
           WHERE gm.working_day_end(p.d, t.c) IS DISTINCT FROM gm.working_day_end(p.d, s.c::text::gm.calendar)
              OR gm.calendar_time_zone(t.c) IS DISTINCT FROM gm.calendar_time_zone(s.c::text::gm.calendar)), 0,
          'working_day_end and calendar_time_zone on stored calendars equal the literal values');
-- a stored calendar that changes (a new stored value) is a new calendar, never the old one
UPDATE cal_tab SET c = 'name=long|tz=UTC|hours=Sat 10:00-11:00'::gm.calendar WHERE n = 2;
SELECT is((SELECT gm.add_working_days('2026-03-02', 1, c) FROM cal_tab WHERE n = 2), '2026-03-07'::date, 'after an UPDATE the new stored value counts');
SELECT is((SELECT string_agg(DISTINCT t.n || ':' || gm.add_working_days('2026-03-02', 1, t.c), ',') FROM cal_tab t CROSS JOIN generate_series(1, 50)),
          '1:2026-03-03,2:2026-03-07,3:2026-03-03', 'each stored calendar keeps its own answer over many alternating calls');
SELECT * FROM finish();
