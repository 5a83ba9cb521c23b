-- demo step: Scale-out
\echo
\echo '---- Scale-out ----'
-- On one server: the survey answers partitioned by region; gm.nps combines partial states, so the
-- planner aggregates per partition (partition-wise) or in parallel workers.  Across servers the
-- same partitions become postgres_fdw foreign tables and the aggregate runs on the shards
-- (doc/scale-out.md; tested by test/scripts/scale_out.sh with two throwaway shard clusters).
SET client_min_messages = warning;
DROP TABLE IF EXISTS city.survey_by_region;
CREATE TABLE city.survey_by_region (region text, grid_id bigint, nps_score int) PARTITION BY LIST (region);
CREATE TABLE city.survey_r1 PARTITION OF city.survey_by_region FOR VALUES IN ('R1');
CREATE TABLE city.survey_r2 PARTITION OF city.survey_by_region FOR VALUES IN ('R2');
CREATE TABLE city.survey_r3 PARTITION OF city.survey_by_region FOR VALUES IN ('R3');
INSERT INTO city.survey_by_region
SELECT r.code, c.grid_id, s.nps_score
FROM city.survey s JOIN city.customer c USING (customer_id) JOIN gm.grid g ON g.grid_id = c.grid_id JOIN gm.grid r ON r.grid_id = g.parent_id;
ANALYZE city.survey_by_region;
RESET client_min_messages;
SET enable_partitionwise_aggregate = on;
\echo 'NPS by region and grid over a table partitioned by region: one aggregate per partition'
EXPLAIN (COSTS OFF) SELECT region, grid_id, gm.nps(nps_score) FROM city.survey_by_region GROUP BY region, grid_id;
\echo 'The same numbers as the unpartitioned table:'
SELECT p.region, count(*) AS grids,
       count(*) FILTER (WHERE p.nps = f.nps) AS equal_to_unpartitioned
FROM (SELECT region, grid_id, gm.nps(nps_score) AS nps FROM city.survey_by_region GROUP BY region, grid_id) p
JOIN (SELECT c.grid_id, gm.nps(s.nps_score) AS nps FROM city.survey s JOIN city.customer c USING (customer_id) GROUP BY c.grid_id) f
  USING (grid_id)
GROUP BY p.region ORDER BY p.region;
RESET enable_partitionwise_aggregate;
\echo 'Assignment where the data lives (doc/scale-out.md, tested by test/scripts/shard_assign.sh): grids'
\echo 'pushed to every shard with gm.push_config, each shard''s customer table tracked by'
\echo 'gm.track_assignment (assigned at insert), gm.reassign on every shard at once after a boundary move.'
\echo 'Configuration fingerprint (equal on every server after SELECT * FROM gm.push_config(<shard>)):'
SELECT gm.config_fingerprint() AS config_fingerprint;
\echo 'A calendar as a self-contained value (what ships to a shard inside a query):'
SELECT length(gm.calendar('cn')::text) AS cn_calendar_text_bytes,
       gm.add_working_days('2026-09-30', 1, gm.calendar('cn')::text::gm.calendar) AS after_national_day;
DROP TABLE city.survey_by_region;
