-- grid planning: gm.design_grids cuts a region into 60 grids over 200,000 skewed customers
-- (70 % in a dense centre, 30 % uniform) — goal: under 2,000 ms, max/min weight <= 1.10.
-- The acceptance data set, generated deterministically; the design is checked before it is timed.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SELECT setseed(0.7);
DROP TABLE IF EXISTS plan_region, plan_c, plan_arr, plan_d;
CREATE TABLE plan_region AS SELECT ST_Buffer(ST_MakePoint(50000, 50000), 40000, 32) AS geom;
CREATE TABLE plan_c AS
  SELECT i, ST_MakePoint(50000 + 6000*(random()+random()+random()-1.5), 50000 + 6000*(random()+random()+random()-1.5)) AS geom
  FROM generate_series(1, 140000) i
  UNION ALL
  SELECT i, ST_MakePoint(50000 + 39000*sqrt(u)*cos(a), 50000 + 39000*sqrt(u)*sin(a))
  FROM (SELECT i, random() AS u, 2*pi()*random() AS a FROM generate_series(140001, 200000) i) s;
CREATE TABLE plan_arr AS SELECT array_agg(geom ORDER BY i) AS pts, array_agg(1.0::float8 ORDER BY i) AS w FROM plan_c;
ANALYZE;

CREATE TABLE plan_d AS SELECT d.* FROM plan_region r, plan_arr a, gm.design_grids(r.geom, a.pts, a.w, 60) d;
DO $$
DECLARE n int; cust bigint; ratio float8; parts int; bad int; gap float8; ovl float8;
BEGIN
  SELECT count(*), sum(customers), max(weight) / min(weight),
         count(*) FILTER (WHERE ST_NumGeometries(ST_Multi(geom)) > 1), count(*) FILTER (WHERE NOT ST_IsValid(geom))
    INTO n, cust, ratio, parts, bad FROM plan_d;
  SELECT (ST_Area(r.geom) - ST_Area(ST_Union(d.geom))) / ST_Area(r.geom),
         (sum(ST_Area(d.geom)) - ST_Area(ST_Union(d.geom))) / ST_Area(r.geom)
    INTO gap, ovl FROM plan_d d, plan_region r GROUP BY r.geom;
  IF n <> 60 OR cust <> 200000 OR ratio > 1.10 OR parts > 0 OR bad > 0 OR abs(gap) >= 1e-4 OR abs(ovl) >= 1e-4 THEN
    RAISE EXCEPTION 'design_grids wrong: % grids, % customers, max/min %, % multi-part, % invalid, gap %, overlap %',
      n, cust, ratio, parts, bad, gap, ovl;
  END IF;
  PERFORM bench.measure(format('gm.design_grids: 60 grids / 200k skewed customers (max/min weight %s, goal <= 1.10)',
                               round(ratio::numeric, 4)),
                        'SELECT count(*) FROM plan_region r, plan_arr a, gm.design_grids(r.geom, a.pts, a.w, 60) d', 2000, 3);
END $$;
DROP TABLE plan_region, plan_c, plan_arr, plan_d;
