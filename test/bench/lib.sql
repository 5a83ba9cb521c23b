-- test/bench/lib.sql — the benchmark harness, loaded once into the bench database.
-- A benchmark file generates its data, then calls bench.compare(name, baseline_sql, gm_sql, goal)
-- for each comparison: both statements run in the same session on the same data, best of
-- `reps` runs each; the ratio baseline/gm (or gm/baseline for cost goals) is stored and printed
-- by bench.report().
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.result (
    name text, baseline text, baseline_ms numeric, gm_ms numeric, ratio numeric, goal text, met boolean,
    at timestamptz DEFAULT clock_timestamp(), baseline_peak_mb numeric, gm_peak_mb numeric);

-- The backend's peak memory during a statement, as `/usr/bin/time -v` reports a process's
-- maximum resident set: Linux's peak resident set (VmHWM of /proc/self/status) is reset to the
-- current resident set (/proc/self/clear_refs, 5) just before the last (warm) run and read just
-- after it.  It counts the backend's private memory (work_mem for hashes and sorts, caches,
-- results) and the shared buffers it has mapped; parallel workers' memory is not included.
CREATE OR REPLACE FUNCTION bench.rss_kb(field text) RETURNS numeric LANGUAGE sql AS $$
    SELECT (regexp_match(pg_read_file('/proc/self/status'), field || ':\s+(\d+) kB'))[1]::numeric
$$;
CREATE OR REPLACE FUNCTION bench.peak_reset() RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
  COPY (SELECT 5) TO '/proc/self/clear_refs';
  RETURN bench.rss_kb('VmRSS');
END $$;

CREATE OR REPLACE FUNCTION bench.time_ms(sql text, reps int DEFAULT 3) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE best numeric := NULL; t0 timestamptz; ms numeric;
BEGIN
  FOR i IN 1..reps LOOP
    IF i = reps THEN PERFORM bench.peak_reset(); END IF;
    t0 := clock_timestamp();
    EXECUTE sql;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    best := least(coalesce(best, ms), ms);
  END LOOP;
  PERFORM set_config('bench.peak_mb', round(bench.rss_kb('VmHWM') / 1024, 1)::text, false);
  RETURN round(best, 1);
END $$;

-- Before a long measurement: flush what earlier benchmarks left dirty (a checkpoint) and wait (up
-- to max_wait seconds) until no autovacuum worker runs, so that two cores measure the statement,
-- not the vacuum of the tables an earlier benchmark wrote.  Returns the seconds waited.
CREATE OR REPLACE FUNCTION bench.settle(max_wait int DEFAULT 120) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
  CHECKPOINT;
  FOR i IN 1..max_wait * 10 LOOP
    PERFORM pg_stat_clear_snapshot();
    EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'autovacuum worker');
    PERFORM pg_sleep(0.1);
  END LOOP;
  RETURN round(extract(epoch FROM clock_timestamp() - t0)::numeric, 1);
END $$;

-- kind 'speedup': ratio = baseline / gm, met when >= goal
-- kind 'cost':    ratio = gm / baseline, met when <= goal
CREATE OR REPLACE FUNCTION bench.compare(name text, baseline_sql text, gm_sql text, goal numeric,
                                         kind text DEFAULT 'speedup', reps int DEFAULT 3,
                                         baseline_label text DEFAULT 'stock SQL')
RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE b numeric; g numeric; r numeric; bp numeric;
BEGIN
  b := bench.time_ms(baseline_sql, reps);
  bp := current_setting('bench.peak_mb')::numeric;
  g := bench.time_ms(gm_sql, reps);
  r := CASE WHEN kind = 'cost' THEN round(g / nullif(b, 0), 2) ELSE round(b / nullif(g, 0), 1) END;
  INSERT INTO bench.result(name, baseline, baseline_ms, gm_ms, ratio, goal, met, baseline_peak_mb, gm_peak_mb)
  VALUES (name, baseline_label, b, g, r,
          CASE WHEN kind = 'cost' THEN '<= ' || goal || 'x cost' ELSE '>= ' || goal || 'x faster' END,
          CASE WHEN kind = 'cost' THEN r <= goal ELSE r >= goal END, bp, current_setting('bench.peak_mb')::numeric);
  RETURN r;
END $$;

-- a measured figure with no baseline (e.g. "under 2 s")
CREATE OR REPLACE FUNCTION bench.measure(name text, gm_sql text, goal_ms numeric, reps int DEFAULT 1)
RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE g numeric;
BEGIN
  g := bench.time_ms(gm_sql, reps);
  INSERT INTO bench.result(name, baseline, gm_ms, goal, met, gm_peak_mb)
  VALUES (name, '-', g, '< ' || goal_ms || ' ms', g < goal_ms, current_setting('bench.peak_mb')::numeric);
  RETURN g;
END $$;

DROP FUNCTION IF EXISTS bench.report();
CREATE OR REPLACE FUNCTION bench.report() RETURNS TABLE(benchmark text, baseline text, baseline_ms numeric, gm_ms numeric, ratio numeric, goal text, met boolean,
                                                       baseline_peak_mb numeric, gm_peak_mb numeric)
LANGUAGE sql AS $$ SELECT name, baseline, baseline_ms, gm_ms, ratio, goal, met, baseline_peak_mb, gm_peak_mb FROM bench.result ORDER BY at $$;

-- the report as a Markdown table (make bench writes it to bench-report.md; tools/readme_bench.sh
-- puts it into README.md)
CREATE OR REPLACE FUNCTION bench.report_md() RETURNS SETOF text LANGUAGE sql AS $$
    SELECT '| benchmark | baseline | baseline ms | grid_marketing ms | ratio | goal | met | peak MB (baseline / gm) |'
    UNION ALL SELECT '| --- | --- | ---: | ---: | ---: | --- | --- | ---: |'
    UNION ALL (SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s |', replace(name, '|', '/'), baseline,
                             coalesce(baseline_ms::text, ''), gm_ms, coalesce(ratio::text || 'x', ''), goal,
                             CASE WHEN met THEN 'yes' WHEN NOT met THEN '**no**' ELSE '' END,
                             coalesce(baseline_peak_mb::text || ' / ', '') || coalesce(gm_peak_mb::text, ''))
                 FROM bench.result ORDER BY at)
$$;
