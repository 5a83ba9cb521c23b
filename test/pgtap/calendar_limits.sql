-- Calendar arithmetic at the limits (issue 17): spans over the whole timestamp range cost
-- a bounded time, results that no interval can hold raise 22008, long spans equal the sum
-- of their parts (holidays, make-up days, lunch breaks, DST), huge amounts, cancellation.
SET client_min_messages = warning;
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET intervalstyle = 'postgres';
SELECT plan(52);

-- time a statement (planning included: constant calls are folded at plan time)
CREATE FUNCTION pg_temp.elapsed(q text) RETURNS interval LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  EXECUTE q;
  RETURN clock_timestamp() - t0;
END $$;
-- the SQLSTATE a statement ends with and how long it ran; catches 57014, which throws_ok cannot
CREATE FUNCTION pg_temp.cancelled(q text, OUT state text, OUT took interval) LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  BEGIN
    EXECUTE q;
    state := 'no error';
  EXCEPTION WHEN query_canceled THEN
    state := '57014';
  WHEN OTHERS THEN
    state := SQLSTATE;
  END;
  took := clock_timestamp() - t0;
END $$;
-- working time summed over the pieces [t, t + step) of [a, b)
CREATE FUNCTION pg_temp.pieces(a timestamptz, b timestamptz, c gm.calendar, step interval) RETURNS interval
LANGUAGE sql AS $$
  SELECT sum(gm.working_time_between(t, least(t + step, b), c))
  FROM generate_series(a, b - interval '1 microsecond', step) t $$;
-- working time summed over the pieces between consecutive split points (a, splits..., b)
CREATE FUNCTION pg_temp.split_sum(a timestamptz, b timestamptz, c gm.calendar, splits timestamptz[]) RETURNS interval
LANGUAGE sql AS $$
  SELECT sum(w) FROM (SELECT gm.working_time_between(p, lead(p) OVER (ORDER BY o), c) w
                      FROM unnest(a || splits || b) WITH ORDINALITY u(p, o)) s $$;

CREATE TEMP TABLE cal(name text PRIMARY KEY, c gm.calendar);
INSERT INTO cal VALUES
  ('utc247', 'name=utc247|tz=UTC|hours=Mon-Sun 00:00-24:00'),
  ('ber247', 'name=ber247|tz=Europe/Berlin|hours=Mon-Sun 00:00-24:00'),
  -- lunch breaks, a Sunday window across the DST change, holidays and make-up days
  ('ber', 'name=ber|tz=Europe/Berlin|hours=Mon-Fri 09:00-12:00,13:00-18:00; Sun 01:00-04:00'
          '|off=2024-12-24..2025-01-01 2026-03-29 2026-05-01|on=2025-03-29 2026-10-25@00:00-24:00 2026-10-31'),
  ('sha', 'name=sha|tz=Asia/Shanghai|hours=Mon-Fri 09:00-12:00,13:30-18:00'
          '|off=2026-02-16..2026-02-20 2026-02-23 2026-10-01..2026-10-07|on=2026-02-14 2026-02-28@09:00-12:00'),
  ('nyc', 'name=nyc|tz=America/New_York|hours=Mon-Sun 01:30-02:30,23:00-24:00');

-- the issue's example ----------------------------------------------------------------------------
-- 4713-01-01 BC to 294276-12-30 round the clock is 109,203,488 days = 2,620,883,712 hours; an
-- interval holds at most 2,562,047,788:00:54.775807 (int64 microseconds), so it cannot be returned
SELECT is(('294276-12-30 00:00+00'::timestamptz::date - '4713-01-01 00:00+00 BC'::timestamptz::date)::bigint * 24,
          2620883712::bigint, 'the example spans 2,620,883,712 hours: more than an interval holds');
SELECT throws_ok($$SELECT gm.working_time_between('4713-01-01 00:00+00 BC', '294276-12-30 00:00+00', 'name=a|tz=UTC|hours=Mon-Sun 00:00-24:00'::gm.calendar)$$,
                 '22008', 'working time between 4713-01-01 00:00:00+00 BC and 294276-12-30 00:00:00+00 on calendar "a" is out of range for type interval',
                 'the issue''s example -> 22008 naming the values (was -2503211864:01:49.55)');
SELECT throws_ok($$SELECT gm.working_time_between('294276-12-30 00:00+00', '4713-01-01 00:00+00 BC', 'name=a|tz=UTC|hours=Mon-Sun 00:00-24:00'::gm.calendar)$$,
                 '22008', NULL, 'the example backwards -> 22008');
SELECT lives_ok($$SELECT gm.create_calendar('utc247_named', 'UTC', 'Mon-Sun 00:00-24:00');
                  SELECT gm.create_calendar('sha_named', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00')$$,
                'named calendars for the by-name variants');
SELECT throws_ok($$SELECT gm.working_time_between('4713-01-01 00:00+00 BC', '294276-12-30 00:00+00', 'utc247_named')$$,
                 '22008', NULL, 'the example by name -> 22008');
SELECT is(gm.working_time_between('4713-01-01 00:00+00 BC', '4713-01-01 00:00+00 BC'::timestamptz + interval '2562047788:00:54.775807', c),
          interval '2562047788:00:54.775807', 'the largest interval is returned exactly')
FROM cal WHERE name = 'utc247';
SELECT is(gm.working_time_between('4713-01-01 00:00+00 BC'::timestamptz + interval '2562047788:00:54.775807', '4713-01-01 00:00+00 BC', c),
          interval '-2562047788:00:54.775807', '... and backwards, negative')
FROM cal WHERE name = 'utc247';
SELECT throws_ok($$SELECT gm.working_time_between('4713-01-01 00:00+00 BC', '4713-01-01 00:00+00 BC'::timestamptz + interval '2562047788:00:54.775807' + interval '1 microsecond', c) FROM cal WHERE name = 'utc247'$$,
                 '22008', NULL, 'one microsecond more -> 22008');

-- bounded time --------------------------------------------------------------------------------------
SELECT cmp_ok(pg_temp.elapsed(format($$SELECT gm.working_time_between('4713-01-01 00:00+00 BC', '200000-12-30 00:00+00', %L::gm.calendar)$$, c)),
              '<', interval '1 second', format('whole-range span on %s: under 1 s', name))
FROM cal WHERE name IN ('ber247', 'ber', 'nyc') ORDER BY name;
SELECT cmp_ok(pg_temp.elapsed($$SELECT gm.working_time_between('1000-01-01 00:00+00', '290000-01-01 00:00+00', 'sha_named')$$),
              '<', interval '1 second', 'whole-range span by name: under 1 s');
SELECT cmp_ok(pg_temp.elapsed(format($$SELECT gm.add_working_time('2000-01-03 10:00+01', '2000000000 hours', %L::gm.calendar)$$, c)),
              '<', interval '1 second', 'add_working_time of 2e9 hours: under 1 s')
FROM cal WHERE name = 'ber247';
SELECT cmp_ok(pg_temp.elapsed(format($$SELECT gm.add_working_time('290000-01-03 10:00+01', '-400000000 hours', %L::gm.calendar)$$, c)),
              '<', interval '1 second', 'add_working_time of -4e8 hours (lunch breaks, DST): under 1 s')
FROM cal WHERE name = 'ber';

-- round the clock, working time is elapsed time, in any zone, over any span ----------------------
SELECT is(extract(epoch FROM gm.working_time_between('4713-01-01 00:00+00 BC', '200000-12-30 17:45+00', c)),
          extract(epoch FROM '200000-12-30 17:45+00'::timestamptz) - extract(epoch FROM '4713-01-01 00:00+00 BC'::timestamptz),
          'Berlin round the clock, 4713 BC to 200000: the elapsed time (LMT, every DST change)')
FROM cal WHERE name = 'ber247';
SELECT is(gm.working_time_between('2026-01-01 00:00+01', '2027-01-01 00:00+01', c), interval '8760:00:00',
          'Berlin round the clock, one year: 8760 h (spring and autumn cancel)')
FROM cal WHERE name = 'ber247';
SELECT is(gm.working_time_between('2026-03-29 00:00+01', '2026-03-30 00:00+02', c), interval '23:00:00',
          'Berlin round the clock on the spring change: 23 h')
FROM cal WHERE name = 'ber247';

-- long spans are the sum of their parts ---------------------------------------------------------------
-- against pieces under 8 days (counted window by window), across the listed days and the years beyond
SELECT is(gm.working_time_between('2021-01-04 10:17+01', '2029-02-03 11:11+01', c),
          pg_temp.pieces('2021-01-04 10:17+01', '2029-02-03 11:11+01', c, '6 days'),
          format('%s: 2021-2029 = the sum of its 6-day pieces', name))
FROM cal WHERE name IN ('ber', 'sha', 'nyc') ORDER BY name;
SELECT is(gm.working_time_between('2495-06-01 00:00+00', '2506-02-01 00:00+00', c),
          pg_temp.pieces('2495-06-01 00:00+00', '2506-02-01 00:00+00', c, '6 days'),
          format('%s: 2495-2506 = the sum of its 6-day pieces', name))
FROM cal WHERE name IN ('ber', 'nyc') ORDER BY name;
SELECT is(gm.working_time_between('1590-01-01 00:00+00', '1612-01-01 00:00+00', c),
          pg_temp.pieces('1590-01-01 00:00+00', '1612-01-01 00:00+00', c, '6 days'),
          'nyc: 1590-1612 = the sum of its 6-day pieces')
FROM cal WHERE name = 'nyc';
-- whole 400-year cycles against pieces of a year
SELECT is(gm.working_time_between('2400-03-03 12:00+00', '3300-06-06 06:00+00', c),
          pg_temp.pieces('2400-03-03 12:00+00', '3300-06-06 06:00+00', c, '1 year'),
          format('%s: 2400-3300 = the sum of its yearly pieces', name))
FROM cal WHERE name IN ('ber', 'nyc') ORDER BY name;
SELECT is(gm.working_time_between('0800-01-01 00:00+00', '1700-01-01 00:00+00', c),
          pg_temp.pieces('0800-01-01 00:00+00', '1700-01-01 00:00+00', c, '1 year'),
          'nyc: 800-1700 = the sum of its yearly pieces')
FROM cal WHERE name = 'nyc';
-- split at arbitrary points, from 4713 BC to 200000
SELECT is(gm.working_time_between('4713-01-01 00:00+00 BC', '200000-12-30 00:00+00', c),
          pg_temp.split_sum('4713-01-01 00:00+00 BC', '200000-12-30 00:00+00', c,
                            '{0012-03-04 05:06+00,1601-02-03 04:05+00,2024-12-25 12:00+00,2026-03-29 02:30+02,2026-10-25 02:30+01,2499-12-31 23:59+00,77777-07-07 07:07+00}'),
          format('%s: 4713 BC-200000 = the sum of its parts split at arbitrary points', name))
FROM cal WHERE name IN ('ber', 'sha', 'nyc') ORDER BY name;
SELECT is(gm.working_time_between('200000-12-30 00:00+00', '4713-01-01 00:00+00 BC', c),
          -gm.working_time_between('4713-01-01 00:00+00 BC', '200000-12-30 00:00+00', c),
          'negative direction: b < a gives the negated span')
FROM cal WHERE name = 'ber';
-- DST: a multi-year span across the March and October changes = the sum of its years
SELECT is(gm.working_time_between('2015-01-01 00:00+01', '2035-01-01 00:00+01', c),
          (SELECT sum(gm.working_time_between(make_timestamptz(y, 1, 1, 0, 0, 0, 'Europe/Berlin'),
                                              make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'Europe/Berlin'), c))
           FROM generate_series(2015, 2034) y),
          'Berlin with a Sunday 01:00-04:00 window: 2015-2035 = the sum of its 20 years')
FROM cal WHERE name = 'ber';
SELECT is(gm.working_time_between('2026-03-29 00:00+01', '2026-03-30 00:00+02', c) +
          gm.working_time_between('2026-10-25 00:00+02', '2026-10-26 00:00+01', c),
          interval '25:00:00', 'Berlin listed days: 2026-03-29 off, 2026-10-25 open all day (25 h)')
FROM cal WHERE name = 'ber';
-- by name = by value
SELECT lives_ok($$SELECT gm.create_calendar('ber_named', 'Europe/Berlin', 'Mon-Fri 09:00-12:00,13:00-18:00; Sun 01:00-04:00');
                  SELECT gm.set_calendar_day('ber_named', d, false) FROM unnest('{2024-12-24,2026-03-29,2026-05-01}'::date[]) d;
                  SELECT gm.set_calendar_day('ber_named', '2025-03-29', true)$$, 'a named calendar with holidays and a make-up day');
SELECT is(gm.working_time_between('1800-01-01 00:00+00', '250000-01-01 00:00+00', 'ber_named'),
          gm.working_time_between('1800-01-01 00:00+00', '250000-01-01 00:00+00', gm.calendar('ber_named')),
          'a long span by name = by value');

-- huge amounts -------------------------------------------------------------------------------------
SELECT is(gm.add_working_time('4713-01-01 00:00+00 BC', '2562047788:00:54.775807', c),
          '4713-01-01 00:00+00 BC'::timestamptz + interval '2562047788:00:54.775807',
          'add_working_time of the largest interval, round the clock')
FROM cal WHERE name = 'utc247';
SELECT is(gm.working_time_between('2000-01-03 10:00+01', gm.add_working_time('2000-01-03 10:00+01', amount, c), c),
          amount, format('%s: the working time up to add_working_time(a, %s) is %s', name, amount, amount))
FROM cal JOIN (VALUES ('ber247', interval '2000000000 hours'), ('nyc', interval '100000000 hours')) v(n, amount) ON n = name ORDER BY name;
SELECT is(gm.working_time_between(gm.add_working_time('290000-01-03 10:00+01', '-400000000 hours', c), '290000-01-03 10:00+01', c),
          interval '400000000:00:00', 'ber: add_working_time(b, -4e8 h) is 4e8 h of working time before b')
FROM cal WHERE name = 'ber';
SELECT is(gm.add_working_time('2026-03-02 10:00+08', interval '24 hours' * 365 * 100, c),
          (SELECT gm.add_working_time(gm.add_working_time('2026-03-02 10:00+08', interval '24 hours' * 365 * 60, c),
                                      interval '24 hours' * 365 * 40, c)),
          'sha: adding 100 years of hours = adding 60 then 40 years of hours')
FROM cal WHERE name = 'sha';
SELECT throws_ok($$SELECT gm.add_working_time('200000-01-01 00:00+00', '2000000000 hours', c) FROM cal WHERE name = 'utc247'$$,
                 '22008', NULL, 'a result beyond the timestamp range -> 22008');
SELECT throws_ok($$SELECT gm.add_working_time('2000-01-01 00:00+00', '2147483647 days', c) FROM cal WHERE name = 'utc247'$$,
                 '22008', 'working-time amount "2147483647 days" is out of range', 'an amount beyond 64-bit microseconds -> 22008');
SELECT throws_ok($$SELECT gm.add_working_time('2010-01-04 10:00+08', '40000 hours', 'cn')$$,
                 '22008', 'calendar "cn" has official data for 2010 to 2026 only: 2027-01-01 is outside (last known year 2026)',
                 'cn: a huge amount still stops at the last official year, naming the first day beyond');
SELECT is(gm.working_time_between('2010-01-04 09:00+08', '2026-12-31 18:00+08', 'cn'),
          (SELECT sum(gm.working_time_between(make_timestamptz(y, 1, 1, 0, 0, 0, 'Asia/Shanghai'),
                                              least(make_timestamptz(y + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai'), '2026-12-31 18:00+08'), 'cn'))
           FROM generate_series(2010, 2026) y),
          'cn 2010-2026 = the sum of its years');

-- NULLs (STRICT) --------------------------------------------------------------------------------------
SELECT is(gm.working_time_between(NULL, '200000-01-01', c), NULL, 'NULL a -> NULL') FROM cal WHERE name = 'ber';
SELECT is(gm.working_time_between('4713-01-01 BC', NULL, c), NULL, 'NULL b -> NULL') FROM cal WHERE name = 'ber';
SELECT is(gm.working_time_between('4713-01-01 BC', '200000-01-01', NULL::gm.calendar), NULL, 'NULL calendar -> NULL');
SELECT is(gm.add_working_time('2000-01-01', NULL, 'ber_named'), NULL, 'add_working_time: NULL amount -> NULL');

-- cancellation --------------------------------------------------------------------------------------
-- Every loop left checks for interrupts (each transition of the zone walked, each day stepped,
-- each 1024 days compiled), and no call runs long: the slowest, a fresh calendar value with
-- 390 years of listed days over the whole range, takes a few milliseconds (best of three, to
-- keep a busy machine's scheduling out of it).
CREATE TEMP TABLE big AS
SELECT ('name=big|tz=Europe/Berlin|hours=Mon-Fri 09:00-12:00,13:00-18:00|on='
        || string_agg(to_char(d, 'YYYY-MM-DD') || '..' || to_char(d + 3000, 'YYYY-MM-DD'), ' ')
        || '|off=' || string_agg(to_char(d + 3001, 'YYYY-MM-DD'), ' '))::gm.calendar AS c
FROM generate_series('1800-01-06'::date, '2190-01-01', '3002 days') g, LATERAL (SELECT g::date AS d) x;
SELECT cmp_ok((SELECT min(pg_temp.elapsed(format($$SELECT gm.working_time_between('4713-01-01 00:00+00 BC', '200000-01-01 00:00+00', %L::gm.calendar)$$, c)))
               FROM big, generate_series(1, 3)),
              '<', interval '500 ms', 'the slowest call (fresh value, 390 listed years, whole range) takes under 500 ms (about 45 ms on a quiet machine; the day-by-day loop took 10-19 s)');
-- throws_ok cannot catch 57014 (PL/pgSQL's OTHERS leaves out query_canceled): pg_temp.cancelled does
SELECT is(state, 'no error', 'the statement to cancel runs (10 rows)')
FROM pg_temp.cancelled(format($$SELECT count(gm.working_time_between('1000-01-01 00:00+00'::timestamptz + i * interval '1 minute', '200000-01-01 00:00+00', %L::gm.calendar))
                                FROM (SELECT generate_series(1, 10) i) s$$, (SELECT c FROM cal WHERE name = 'ber')));
BEGIN;
SET LOCAL statement_timeout = '200ms';
CREATE TEMP TABLE cancelled AS
SELECT * FROM pg_temp.cancelled(format($$SELECT count(gm.working_time_between('1000-01-01 00:00+00'::timestamptz + i * interval '1 minute', '200000-01-01 00:00+00', %L::gm.calendar))
                                         FROM (SELECT generate_series(1, 100000000) i) s$$, (SELECT c FROM cal WHERE name = 'ber')));
COMMIT;
SELECT is(state, '57014', 'statement_timeout 200 ms cancels a statement of 1e8 long-span calls (57014)') FROM cancelled;
-- 300 ms on an idle machine; a loop deaf to the cancel would run for hours
SELECT cmp_ok(took, '<', interval '1 s', 'cancelled at once, not after the statement') FROM cancelled;
SELECT diag('cancelled after ' || took) FROM cancelled;

-- the text form: listed days beyond 400 years are refused before sorting them
SELECT throws_ok($$SELECT ('tz=UTC|hours=Mon 09:00-10:00|off=' || repeat('2000-01-01..2009-12-31 ', 2000))::gm.calendar$$,
                 '54000', 'gm.calendar lists more than 146400 days', 'a text form listing 7 million days -> 54000, at once');

SELECT * FROM finish();
