-- test/bench/lib.sql — the benchmark harness, loaded once into the bench database.
-- A benchmark file generates its data, then calls bench.compare(name, baseline_sql, gm_sql, goal)
-- for each comparison: both statements run in the same session on the same data, best of
-- `reps` runs each; the ratio baseline/gm (or gm/baseline for cost goals) is stored and printed
-- by bench.report().
CREATE SCHEMA IF NOT EXISTS bench;
CREATE TABLE IF NOT EXISTS bench.result (
    name text, baseline text, baseline_ms numeric, gm_ms numeric, ratio numeric, goal text, met boolean,
    at timestamptz DEFAULT clock_timestamp());

CREATE OR REPLACE FUNCTION bench.time_ms(sql text, reps int DEFAULT 3) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE best numeric := NULL; t0 timestamptz; ms numeric;
BEGIN
  FOR i IN 1..reps LOOP
    t0 := clock_timestamp();
    EXECUTE sql;
    ms := extract(epoch FROM clock_timestamp() - t0) * 1000;
    best := least(coalesce(best, ms), ms);
  END LOOP;
  RETURN round(best, 1);
END $$;

-- kind 'speedup': ratio = baseline / gm, met when >= goal
-- kind 'cost':    ratio = gm / baseline, met when <= goal
CREATE OR REPLACE FUNCTION bench.compare(name text, baseline_sql text, gm_sql text, goal numeric,
                                         kind text DEFAULT 'speedup', reps int DEFAULT 3,
                                         baseline_label text DEFAULT 'stock SQL')
RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE b numeric; g numeric; r numeric;
BEGIN
  b := bench.time_ms(baseline_sql, reps);
  g := bench.time_ms(gm_sql, reps);
  r := CASE WHEN kind = 'cost' THEN round(g / nullif(b, 0), 2) ELSE round(b / nullif(g, 0), 1) END;
  INSERT INTO bench.result(name, baseline, baseline_ms, gm_ms, ratio, goal, met)
  VALUES (name, baseline_label, b, g, r,
          CASE WHEN kind = 'cost' THEN '<= ' || goal || 'x cost' ELSE '>= ' || goal || 'x faster' END,
          CASE WHEN kind = 'cost' THEN r <= goal ELSE r >= goal END);
  RETURN r;
END $$;

-- a measured figure with no baseline (e.g. "under 2 s")
CREATE OR REPLACE FUNCTION bench.measure(name text, gm_sql text, goal_ms numeric, reps int DEFAULT 1)
RETURNS numeric LANGUAGE plpgsql AS $$
DECLARE g numeric;
BEGIN
  g := bench.time_ms(gm_sql, reps);
  INSERT INTO bench.result(name, baseline, gm_ms, goal, met) VALUES (name, '-', g, '< ' || goal_ms || ' ms', g < goal_ms);
  RETURN g;
END $$;

CREATE OR REPLACE FUNCTION bench.report() RETURNS TABLE(benchmark text, baseline text, baseline_ms numeric, gm_ms numeric, ratio numeric, goal text, met boolean)
LANGUAGE sql AS $$ SELECT name, baseline, baseline_ms, gm_ms, ratio, goal, met FROM bench.result ORDER BY at $$;
