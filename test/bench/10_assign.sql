-- bench: gm.assign_grid vs the PostGIS ST_Covers + GiST join (issue 3, acceptance "assign"):
-- 1,200 Voronoi grids over a 100 km square, 1,000,000 random points plus every vertex of every
-- tenth grid (points on shared edges and vertices); answers must be identical under the tie rule
-- (smallest grid_id among the covering grids), goal >= 20x.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_vg, bench_pts;
DELETE FROM gm.grid;
SELECT setseed(0.42);
CREATE TABLE bench_vg AS SELECT row_number() OVER () AS n, geom FROM (
  SELECT ST_Multi(ST_Intersection(ST_MakeEnvelope(0, 0, 100000, 100000), (ST_Dump(g)).geom)) AS geom
  FROM (SELECT ST_VoronoiPolygons(ST_Collect(ST_MakePoint(random() * 100000, random() * 100000))) g
        FROM generate_series(1, 1200)) v) s;
INSERT INTO gm.grid(code, name, kind, geom) SELECT 'G' || n, 'grid ' || n, 'physical', geom FROM bench_vg ORDER BY n;
CREATE TABLE bench_pts AS SELECT i AS id, ST_MakePoint(random() * 100000, random() * 100000) AS geom
  FROM generate_series(1, 1000000) i;
INSERT INTO bench_pts SELECT 2000000 + row_number() OVER (), geom
  FROM (SELECT (ST_DumpPoints(geom)).geom FROM gm.grid WHERE grid_id % 10 = 0) v;
CREATE INDEX ON gm.grid USING gist (geom);
ANALYZE gm.grid; ANALYZE bench_pts;

-- identical answers on every point, vertices included
DO $$
DECLARE bad bigint;
BEGIN
  SELECT count(*) INTO bad FROM bench_pts p
   WHERE gm.assign_grid(p.geom) IS DISTINCT FROM (SELECT min(g.grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, p.geom));
  IF bad <> 0 THEN
    RAISE EXCEPTION 'gm.assign_grid disagrees with PostGIS on % points', bad;
  END IF;
END $$;

SELECT bench.compare('assign_grid: 1M points, 1,200 Voronoi grids',
  $$SELECT sum(g.grid_id) FROM bench_pts c JOIN gm.grid g ON ST_Covers(g.geom, c.geom) WHERE c.id <= 1000000$$,
  $$SELECT sum(gm.assign_grid(geom)) FROM bench_pts WHERE id <= 1000000$$,
  20, 'speedup', 2, 'PostGIS ST_Covers + GiST join');

-- the two sums must agree too (no point on a shared edge among the random ones, so the join
-- counts every point once)
DO $$
DECLARE a numeric; b numeric;
BEGIN
  SELECT sum(g.grid_id) INTO a FROM bench_pts c JOIN gm.grid g ON ST_Covers(g.geom, c.geom) WHERE c.id <= 1000000;
  SELECT sum(gm.assign_grid(geom)) INTO b FROM bench_pts WHERE id <= 1000000;
  IF a IS DISTINCT FROM b THEN
    RAISE EXCEPTION 'sums differ: PostGIS % vs gm %', a, b;
  END IF;
END $$;

DROP TABLE bench_vg, bench_pts;
DELETE FROM gm.grid;
