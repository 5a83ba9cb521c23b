-- planning: balanced grid design, value index and class, class review, load, 小区 potential
SET client_min_messages = warning;
\set VERBOSITY terse
-- a 10 x 10 square with 8 customers, two of them exactly on the first cut line x = 5
-- (the polygons are printed normalised: the vertex order of a cut depends on the GEOS version)
CREATE TEMP TABLE pts AS SELECT ARRAY[ST_MakePoint(1, 1), ST_MakePoint(2, 8), ST_MakePoint(5, 3), ST_MakePoint(5, 7),
                                     ST_MakePoint(7, 2), ST_MakePoint(8, 8), ST_MakePoint(9, 5), ST_MakePoint(3, 5)] AS p;
SELECT grid_no, ST_AsText(ST_Normalize(geom)) AS geom, weight, customers, round(balance::numeric, 3) AS balance
FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 4) ORDER BY grid_no;
SELECT grid_no, array_agg(point_no ORDER BY point_no) AS points
FROM pts, gm.design_grids_assign(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 4) GROUP BY grid_no ORDER BY grid_no;
-- weights: the heavy customer gets a grid of its own
SELECT grid_no, weight, customers
FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, ARRAY[6, 1, 1, 1, 1, 1, 1, 1]::float8[], 2) ORDER BY grid_no;
-- a cap chooses the number of grids
SELECT count(*) AS grids, max(weight) AS heaviest FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, NULL, 3);
-- a fixed grid is carved out first
SELECT grid_no, ST_AsText(ST_Normalize(geom)) AS geom, customers
FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 2, NULL, ARRAY[ST_MakeEnvelope(0, 0, 4, 10)]) ORDER BY grid_no;
-- bad input
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 0);
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 9);
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, ARRAY[1, 2]::float8[], 2);
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 4, 4), pts.p, NULL, 2);
SELECT * FROM pts, gm.design_grids('POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))', pts.p, NULL, 2);
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p || NULL::geometry, NULL, 2);
SELECT * FROM pts, gm.design_grids(ST_MakeEnvelope(0, 0, 10, 10), pts.p, NULL, 4, 1.5);
-- value index, class, review
SELECT gm.grid_value(300, 0.05, 0.5) AS at_target, gm.grid_value(150, 0.10, 0) AS half_density, gm.grid_value(900, 0.2, 1) AS capped;
SELECT v, gm.grid_class(v) FROM unnest(ARRAY[0.5, 1, 1.9, 2, 4]::numeric[]) v;
SELECT c, g, gm.grid_class_review(c, g) AS new_class
FROM (VALUES ('C', '{0.25,0.21}'::numeric[]), ('C', '{0.25,0.20}'), ('B', '{0.1,0.3,0.4}'), ('A', '{0.3,0.3}'),
             ('A', '{-0.3,-0.25}'), ('C', '{-0.3,-0.25}'), ('B', '{0.3}'), ('B', '{0.3,NULL}'), ('B', NULL)) t(c, g);
SELECT gm.grid_class_review('X', '{0.3,0.3}');
-- load and 小区 potential
SELECT n, gm.load_status(n), gm.load_light(n) FROM unnest(ARRAY[150, 200, 300, 301, 499, 500]::bigint[]) n;
SELECT gm.community_potential(1000, 0.8) AS owners, gm.community_potential(1000, 0.8, 0.5, 0.25, 100) AS mixed,
       gm.community_potential(1000, 0.8, take_up => 0.3) AS given_take_up;
SELECT gm.community_potential(-1, 0.8);
DROP TABLE pts;
RESET client_min_messages;
\set VERBOSITY default
