-- demo step: Grids and assignment
\echo
\echo '---- Grids and assignment ----'
SELECT g.code AS region, count(c.grid_id) AS grids,
       (SELECT count(*) FROM gm.grid_member m WHERE m.grid_id IN (SELECT grid_id FROM gm.grid WHERE parent_id = g.grid_id)) AS team_members
FROM gm.grid g LEFT JOIN gm.grid c ON c.parent_id = g.grid_id
WHERE g.parent_id IS NULL GROUP BY g.grid_id, g.code ORDER BY g.code;
