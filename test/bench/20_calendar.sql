-- Calendars: gm.add_working_days(d, 3, 'cal') on 200,000 rows against the calendar-table SQL
-- and orafce's plvdate.add_bizdays, on a calendar with weekends, holidays and make-up days
-- (the 2026 days of the acceptance check).  Answers are checked identical first.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS orafce;
DROP TABLE IF EXISTS bench.cal, bench.cal_lead;
DO $$ BEGIN PERFORM gm.drop_calendar('bench_t'); EXCEPTION WHEN undefined_object THEN NULL; END $$;
SELECT gm.create_calendar('bench_t', 'Asia/Shanghai', 'Mon-Fri 09:00-12:00,13:30-18:00');
SELECT gm.set_calendar_day('bench_t', d, false, 'holiday') FROM unnest('{2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07}'::date[]) d;
SELECT gm.set_calendar_day('bench_t', d, true, 'make-up workday') FROM unnest('{2026-01-04,2026-02-14,2026-02-28,2026-09-20,2026-10-10}'::date[]) d;
CREATE TABLE bench.cal AS SELECT d::date AS day, (extract(isodow from d) < 6) AS wd FROM generate_series('2025-06-01'::date,'2027-06-30','1 day') d;
UPDATE bench.cal SET wd = false WHERE day = ANY('{2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07}');
UPDATE bench.cal SET wd = true WHERE day = ANY('{2026-01-04,2026-02-14,2026-02-28,2026-09-20,2026-10-10}');
CREATE UNIQUE INDEX ON bench.cal(day);
SELECT setseed(0.1);
CREATE TABLE bench.cal_lead AS SELECT i AS id, ('2026-01-01'::date + (random()*330)::int) AS d, (random()*20)::int AS n FROM generate_series(1,200000) i;
ANALYZE bench.cal, bench.cal_lead;
SELECT count(plvdate.set_nonbizday(d)) FROM unnest('{2026-01-01,2026-01-02,2026-02-16,2026-02-17,2026-02-18,2026-02-19,2026-02-20,2026-02-23,2026-10-01,2026-10-02,2026-10-05,2026-10-06,2026-10-07}'::date[]) d;

-- identical answers (n from 0 to 20, and n = 3), else the benchmark fails
DO $$
DECLARE bad bigint;
BEGIN
  SELECT count(*) INTO bad FROM bench.cal_lead l WHERE gm.add_working_days(l.d, l.n, 'bench_t') IS DISTINCT FROM
    CASE WHEN l.n = 0 THEN (SELECT min(day) FROM bench.cal WHERE day >= l.d AND wd)
         ELSE (SELECT day FROM bench.cal WHERE day > l.d AND wd ORDER BY day OFFSET l.n-1 LIMIT 1) END;
  IF bad <> 0 THEN RAISE EXCEPTION 'gm.add_working_days disagrees with the calendar table on % rows', bad; END IF;
  SELECT count(*) INTO bad FROM bench.cal_lead l WHERE gm.add_working_days(l.d, 3, gm.calendar('bench_t')) IS DISTINCT FROM
    (SELECT day FROM bench.cal WHERE day > l.d AND wd ORDER BY day OFFSET 2 LIMIT 1);
  IF bad <> 0 THEN RAISE EXCEPTION 'gm.add_working_days on the value disagrees on % rows', bad; END IF;
END $$;

SELECT bench.compare('add_working_days(d, 3, name) 200k rows vs calendar-table SQL',
  $$SELECT count(*) FROM (SELECT (SELECT day FROM bench.cal WHERE day > l.d AND wd ORDER BY day OFFSET 2 LIMIT 1) AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  $$SELECT count(*) FROM (SELECT gm.add_working_days(l.d, 3, 'bench_t') AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  20, 'speedup', 3, 'calendar-table SQL');
SELECT bench.compare('add_working_days(d, 3, name) 200k rows vs orafce plvdate.add_bizdays (cost)',
  $$SELECT count(*) FROM (SELECT plvdate.add_bizdays(l.d, 3) AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  $$SELECT count(*) FROM (SELECT gm.add_working_days(l.d, 3, 'bench_t') AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  1.0, 'cost', 5, 'orafce plvdate.add_bizdays');
-- the value variant is IMMUTABLE and PARALLEL SAFE, so the planner goes parallel here; on the
-- shared 2-core machine worker start-up dominates, so this comparison is made on serial plans
SET max_parallel_workers_per_gather = 0;
SELECT bench.compare('add_working_days(d, 3, (SELECT gm.calendar(name))) 200k rows vs orafce (cost, serial plans)',
  $$SELECT count(*) FROM (SELECT plvdate.add_bizdays(l.d, 3) AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  $$SELECT count(*) FROM (SELECT gm.add_working_days(l.d, 3, (SELECT gm.calendar('bench_t'))) AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  1.0, 'cost', 5, 'orafce plvdate.add_bizdays');
RESET max_parallel_workers_per_gather;
SELECT bench.compare('add_working_days(d, 3, name) 200k rows vs the floor (d itself)',
  $$SELECT count(*) FROM (SELECT l.d AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  $$SELECT count(*) FROM (SELECT gm.add_working_days(l.d, 3, 'bench_t') AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  2.0, 'cost', 5, 'floor: SELECT d');
SELECT bench.compare('add_working_time(ts, 5 h, name) 200k rows vs floor (ts + 5 h)',
  $$SELECT count(*) FROM (SELECT (l.d + time '10:00')::timestamptz + interval '5 hours' AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  $$SELECT count(*) FROM (SELECT gm.add_working_time((l.d + time '10:00')::timestamptz, '5 hours', 'bench_t') AS due FROM bench.cal_lead l) s WHERE due IS NOT NULL$$,
  10.0, 'cost', 3, 'floor: ts + 5 h');
SELECT gm.drop_calendar('bench_t');
