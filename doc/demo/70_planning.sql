-- demo step: Grid planning
\echo
\echo '---- Grid planning ----'

-- Re-cut region R2 into as many balanced grids as it has now (written to a temp table;
-- gm.grid is not touched) and compare the load per grid before and after.
CREATE TEMP TABLE plan_r2 AS
SELECT r.grid_id, r.geom,
       (SELECT count(*) FROM gm.grid g WHERE g.parent_id = r.grid_id)::int AS grids,
       (SELECT array_agg(c.geom ORDER BY c.customer_id) FROM city.customer c JOIN gm.grid g ON g.grid_id = c.grid_id
         WHERE g.parent_id = r.grid_id) AS pts
FROM gm.grid r WHERE r.code = 'R2';
CREATE TEMP TABLE plan_r2_design AS
SELECT d.* FROM plan_r2 p, gm.design_grids(p.geom, p.pts, NULL, p.grids) d;

\echo 'Region R2: customers per grid, current Voronoi grids vs gm.design_grids (same number of grids)'
SELECT 'before (current grids)' AS design, count(*) AS grids, sum(n) AS customers, min(n) AS min_per_grid, max(n) AS max_per_grid,
       round(max(n)::numeric / nullif(min(n), 0), 2) AS max_over_min
FROM (SELECT g.grid_id, count(c.customer_id) AS n
      FROM gm.grid g JOIN plan_r2 p ON g.parent_id = p.grid_id LEFT JOIN city.customer c ON c.grid_id = g.grid_id
      GROUP BY g.grid_id) s
UNION ALL
SELECT 'after (gm.design_grids)', count(*), sum(customers), min(customers), max(customers),
       round(max(customers)::numeric / nullif(min(customers), 0), 2)
FROM plan_r2_design;
SELECT count(*) FILTER (WHERE ST_NumGeometries(ST_Multi(d.geom)) = 1) AS contiguous_grids,
       round((ST_Area(ST_Union(d.geom)) / ST_Area(p.geom))::numeric, 6) AS covered_share_of_region,
       round(((sum(ST_Area(d.geom)) - ST_Area(ST_Union(d.geom))) / ST_Area(p.geom))::numeric, 6) AS overlap_share
FROM plan_r2_design d, plan_r2 p GROUP BY p.geom;

\echo 'Manager load over the current assignment (seed 000: 200-300 customers reasonable, 500 overload)'
SELECT light, status, count(*) AS managers, min(customers) AS min_customers, max(customers) AS max_customers
FROM gm.manager_load('city.customer', 'grid_id', date '2026-11-20') GROUP BY light, status ORDER BY light, status;

\echo 'Grid value index and class for three R2 grids (customers, lead conversion, assumed competitor share 0.4)'
SELECT g.code, count(DISTINCT c.customer_id) AS customers,
       round(count(*) FILTER (WHERE l.stage = 3)::numeric / nullif(count(l.lead_id), 0), 3) AS conversion,
       gm.grid_value(count(DISTINCT c.customer_id), coalesce(count(*) FILTER (WHERE l.stage = 3)::numeric / nullif(count(l.lead_id), 0), 0), 0.4) AS value,
       gm.grid_class(gm.grid_value(count(DISTINCT c.customer_id), coalesce(count(*) FILTER (WHERE l.stage = 3)::numeric / nullif(count(l.lead_id), 0), 0), 0.4)) AS class
FROM gm.grid g JOIN city.customer c ON c.grid_id = g.grid_id LEFT JOIN city.lead l ON l.customer_id = c.customer_id
WHERE g.code IN ('R2-G01', 'R2-G10', 'R2-G20') GROUP BY g.code ORDER BY g.code;
SELECT gm.grid_class_review('C', ARRAY[0.12, 0.24, 0.31]) AS c_grid_after_two_quarters_over_20pct;

\echo 'Residential community (小区) potential: 1,200 households, 85 % occupied, 70 % owner-occupied, 30 % with competitors, 150 customers'
SELECT gm.community_potential(1200, 0.85, 0.7, 0.3, 150) AS customers_to_win;
DROP TABLE plan_r2, plan_r2_design;
