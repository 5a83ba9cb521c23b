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

-- the index of 1,200 grids: its build (the first assignment after gm.grid changed) and memory
SELECT bench.measure('grid index build, 1,200 grids (first gm.assign_grid after a change of gm.grid)',
  $$UPDATE gm.grid SET name = name WHERE grid_id = (SELECT min(grid_id) FROM gm.grid); SELECT gm.assign_grid(ST_MakePoint(1, 1))$$, 1000, 3);
INSERT INTO bench.result(name, baseline, goal, met, gm_peak_mb)
SELECT 'grid index memory per 1,000 grids (1,200 Voronoi grids; MB in the peak column)', '-', '-', true,
       round(sum(total_bytes) / 1048576.0 / 1.2, 2)
  FROM pg_backend_memory_contexts WHERE name = 'gm cache' AND ident = 'grid';

-- 10,000 grids: the same comparison (goal >= 20x), the build, and the memory (goal <= 50 MB)
DELETE FROM gm.grid;
CREATE TABLE bench_vg10 AS SELECT row_number() OVER () AS n, geom FROM (
  SELECT ST_Multi(ST_Intersection(ST_MakeEnvelope(0, 0, 100000, 100000), (ST_Dump(g)).geom)) AS geom
  FROM (SELECT ST_VoronoiPolygons(ST_Collect(ST_MakePoint(random() * 100000, random() * 100000))) g
        FROM generate_series(1, 10000)) v) s;
INSERT INTO gm.grid(code, name, kind, geom) SELECT 'G' || n, 'grid ' || n, 'physical', geom FROM bench_vg10 ORDER BY n;
ANALYZE gm.grid;
DO $$
DECLARE bad bigint;
BEGIN
  SELECT count(*) INTO bad FROM bench_pts p WHERE p.id <= 20000
     AND gm.assign_grid(p.geom) IS DISTINCT FROM (SELECT min(g.grid_id) FROM gm.grid g WHERE ST_Covers(g.geom, p.geom));
  IF bad <> 0 THEN
    RAISE EXCEPTION 'gm.assign_grid disagrees with PostGIS on % points of 10,000 grids', bad;
  END IF;
END $$;
SELECT bench.compare('assign_grid: 1M points, 10,000 Voronoi grids',
  $$SELECT sum(g.grid_id) FROM bench_pts c JOIN gm.grid g ON ST_Covers(g.geom, c.geom) WHERE c.id <= 1000000$$,
  $$SELECT sum(gm.assign_grid(geom)) FROM bench_pts WHERE id <= 1000000$$,
  20, 'speedup', 2, 'PostGIS ST_Covers + GiST join');
SELECT bench.measure('grid index build, 10,000 grids (first gm.assign_grid after a change of gm.grid)',
  $$UPDATE gm.grid SET name = name WHERE grid_id = (SELECT min(grid_id) FROM gm.grid); SELECT gm.assign_grid(ST_MakePoint(1, 1))$$, 5000, 3);
INSERT INTO bench.result(name, baseline, goal, met, gm_peak_mb)
SELECT 'grid index memory, 10,000 Voronoi grids (MB in the peak column)', '-', '<= 50 MB', sum(total_bytes) <= 50 * 1048576,
       round(sum(total_bytes) / 1048576.0, 1)
  FROM pg_backend_memory_contexts WHERE name = 'gm cache' AND ident = 'grid';

-- the registry at scale: add, re-cut and delete 100,000 grids, each < 10 s
DELETE FROM gm.grid;
CREATE TABLE bench_vg100 AS SELECT row_number() OVER () AS n, geom FROM (
  SELECT ST_Multi(ST_Intersection(ST_MakeEnvelope(0, 0, 100000, 100000), (ST_Dump(g)).geom)) AS geom
  FROM (SELECT ST_VoronoiPolygons(ST_Collect(ST_MakePoint(random() * 100000, random() * 100000))) g
        FROM generate_series(1, 100000)) v) s;
-- the re-cut: every grid's polygon replaced by a slightly shrunk one (a boundary moved everywhere)
CREATE TABLE bench_vg100b AS SELECT n, ST_Multi(ST_Buffer(geom, -1)) AS geom FROM bench_vg100;
SELECT bench.measure('registry: add 100,000 grids (one INSERT)',
  $$INSERT INTO gm.grid(code, name, kind, geom) SELECT 'H' || n, 'grid ' || n, 'physical', geom FROM bench_vg100 ORDER BY n$$, 10000, 1);
ANALYZE gm.grid;
SELECT bench.measure('registry: re-cut 100,000 grids (one UPDATE of every boundary)',
  $$UPDATE gm.grid g SET geom = b.geom FROM bench_vg100b b WHERE g.code = 'H' || b.n$$, 10000, 1);
SELECT bench.measure('registry: delete 100,000 grids (one DELETE)',
  $$DELETE FROM gm.grid WHERE code LIKE 'H%'$$, 10000, 1);
DO $$
BEGIN
  IF (SELECT count(*) FROM gm.grid) <> 0 THEN
    RAISE EXCEPTION 'grids left after the registry benchmark';
  END IF;
END $$;

DROP TABLE bench_vg, bench_pts, bench_vg10, bench_vg100, bench_vg100b;
DELETE FROM gm.grid;
