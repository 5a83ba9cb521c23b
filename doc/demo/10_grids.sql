-- demo step: Grids and assignment
\echo
\echo '---- Grids and assignment ----'
\echo 'Registry check (gm.grid_check: invalid polygons, overlaps, gaps, children outside parents, no manager):'
SELECT coalesce((SELECT string_agg(problem || ' x' || n, ', ') FROM (
          SELECT problem, count(*) AS n FROM gm.grid_check() GROUP BY problem ORDER BY problem) s),
       'no problems: the grids cover their regions without gaps or overlaps, every grid has a manager') AS grid_check;

\echo 'Every customer assigned by gm.assign_grid (C spatial index) vs the PostGIS answer in city.customer.grid_id:'
SELECT count(*) AS customers,
       count(*) FILTER (WHERE gm.assign_grid(c.geom) IS NOT DISTINCT FROM c.grid_id) AS same_grid,
       count(*) FILTER (WHERE gm.assign_grid(c.geom) IS DISTINCT FROM c.grid_id) AS different,
       count(*) FILTER (WHERE gm.assign_grid(c.geom) IS NULL) AS outside_every_grid
FROM city.customer c;

\echo 'Per region: grids, customers, busiest and quietest grid, region manager:'
WITH a AS (SELECT gm.assign_grid(c.geom) AS grid_id FROM city.customer c),
per_grid AS (SELECT g.grid_id, g.parent_id, g.code, count(a.grid_id) AS customers
             FROM gm.grid g LEFT JOIN a ON a.grid_id = g.grid_id
             WHERE g.parent_id IS NOT NULL GROUP BY g.grid_id)
SELECT r.code AS region, r.name, count(*) AS grids, sum(p.customers) AS customers,
       max(p.customers) AS busiest, min(p.customers) AS quietest, gm.grid_manager(r.grid_id) AS region_manager
FROM per_grid p JOIN gm.grid r ON r.grid_id = p.parent_id
GROUP BY r.grid_id, r.code, r.name ORDER BY r.code;

\echo 'Top 8 grids by customers, with their manager:'
SELECT g.code AS grid, g.attrs ->> 'market_type' AS market_type, count(*) AS customers,
       gm.grid_manager(g.grid_id) AS manager
FROM city.customer c JOIN gm.grid g ON g.grid_id = gm.assign_grid(c.geom)
GROUP BY g.grid_id ORDER BY customers DESC, g.code LIMIT 8;

\echo 'Points on shared edges: a vertex shared by several grids goes to the smallest grid_id:'
WITH v AS (SELECT DISTINCT (ST_DumpPoints(geom)).geom AS pt FROM gm.grid WHERE parent_id IS NOT NULL)
SELECT count(*) AS shared_vertices,
       count(*) FILTER (WHERE gm.assign_grid(v.pt) = (SELECT min(g.grid_id) FROM gm.grid g
                         WHERE g.parent_id IS NOT NULL AND ST_Covers(g.geom, v.pt))) AS smallest_grid_id_wins
FROM v WHERE (SELECT count(*) FROM gm.grid g WHERE g.parent_id IS NOT NULL AND ST_Covers(g.geom, v.pt)) > 1;

\echo 'Logical grids inside region R1 by market type (rules tried in a transaction, then rolled back):'
BEGIN;
INSERT INTO gm.grid(code, name, kind, parent_id)
SELECT 'R1-L' || k, 'R1 ' || t, 'logical', (SELECT grid_id FROM gm.grid WHERE code = 'R1')
FROM unnest(ARRAY['商务楼宇', '产业园区', '临街店铺', '家庭社区']) WITH ORDINALITY u(t, k);
INSERT INTO gm.grid_rule(priority, region_id, match, grid_id)
SELECT 10, g.parent_id, jsonb_build_object('market_type', substr(g.name, 4)), g.grid_id
FROM gm.grid g WHERE g.code LIKE 'R1-L_';
INSERT INTO gm.grid_rule(priority, region_id, match, grid_id)
SELECT 5, g.parent_id, '{"segment": "group", "group_class": "A"}', g.grid_id FROM gm.grid g WHERE g.code = 'R1-L1';
WITH r1 AS MATERIALIZED (
    SELECT c.*, (SELECT grid_id FROM gm.grid WHERE code = 'R1') AS region
    FROM city.customer c JOIN gm.grid g ON g.grid_id = gm.assign_grid(c.geom)
    WHERE g.parent_id = (SELECT grid_id FROM gm.grid WHERE code = 'R1')
), lg AS MATERIALIZED (
    SELECT gm.assign_logical_grid(jsonb_build_object('market_type', market_type, 'segment', segment,
                                                     'group_class', group_class), region) AS grid_id
    FROM r1
)
SELECT g.code AS logical_grid, g.name, count(*) AS customers
FROM lg JOIN gm.grid g USING (grid_id) GROUP BY g.code, g.name ORDER BY g.code;
ROLLBACK;

\echo 'Assignment at write time and a complete history: gm.track_assignment on city.customer'
SELECT gm.track_assignment('city.customer', 'grid_id', 'geom');
BEGIN;
SELECT gm.set_actor('crm:agent_li') AS acting;            -- the CRM names the person for this transaction
UPDATE city.customer SET geom = (SELECT ST_PointOnSurface(geom) FROM gm.grid WHERE code = 'R2-G01')
 WHERE customer_id = 1;                                    -- the customer moves; the trigger re-assigns
COMMIT;
SELECT l.row_key AS customer, f.code AS from_grid, t.code AS to_grid, l.reason, l.changed_by, l.login
FROM gm.assignment_log l LEFT JOIN gm.grid f ON f.grid_id = l.from_grid LEFT JOIN gm.grid t ON t.grid_id = l.to_grid
WHERE l.table_name = 'city.customer' ORDER BY l.log_id;
SELECT (SELECT code FROM gm.grid WHERE grid_id = gm.grid_on('city.customer', '1')) AS customer_1_now_in;

\echo 'Re-assignment after boundary changes is a run, committed batch by batch (nothing moved here):'
SET grid_marketing.progress_notices = off;
CALL gm.reassign('city.customer', 'geom', 'grid_id', 20000, 'nightly check');
RESET grid_marketing.progress_notices;
SELECT run_id, kind, state, batches, rows_total, rows_done, rows_changed, actor FROM gm.run_status ORDER BY run_id;
