-- tiering: the per-backend cache of the tiering parameters (gm.parameter) is never stale after a commit (two sessions
-- through dblink) and never keeps rows of a rolled-back change
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(13);
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=postgres',
       current_setting('unix_socket_directories'), current_setting('port'), current_database()));
CREATE FUNCTION pg_temp.other_lifecycle() RETURNS text LANGUAGE sql AS $$
    SELECT x FROM dblink('other', $q$SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text$q$) AS t(x text) $$;
CREATE FUNCTION pg_temp.other_tier() RETURNS text LANGUAGE sql AS $$
    SELECT x FROM dblink('other', $q$SELECT gm.value_tier('534')::text$q$) AS t(x text) $$;

SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session: idle 80 days is at_risk with the default churn threshold (cache built)');
SELECT is(pg_temp.other_tier(), 'high', 'other session: 534 is high value with the defaults');

BEGIN;
UPDATE gm.parameter SET value = CASE name WHEN 'lifecycle_churned_days' THEN 60 ELSE 5 END WHERE name IN ('lifecycle_churned_days', 'value_high_min_m');
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'churned', 'own session sees the override at once');
SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session does not see the uncommitted override');
COMMIT;
SELECT is(pg_temp.other_lifecycle(), 'churned', 'other session sees the committed override');
SELECT is(pg_temp.other_tier(), 'potential', 'other session sees the committed value tier threshold');

BEGIN;
UPDATE gm.parameter SET value = CASE name WHEN 'lifecycle_churned_days' THEN 90 ELSE 4 END WHERE name IN ('lifecycle_churned_days', 'value_high_min_m');
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'at_risk', 'setting the shipped values again restores them at once');
ROLLBACK;
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'churned', 'after ROLLBACK the override applies again in the own session');
SELECT is(pg_temp.other_lifecycle(), 'churned', 'the other session never saw the rolled-back change');

-- a session inside a REPEATABLE READ transaction gets the invalidation of a commit made after its
-- snapshot: the cache it rebuilds then must not keep the rows of that old snapshot for later
-- transactions (it reads the thresholds with a fresh snapshot)
UPDATE gm.parameter SET value = CASE name WHEN 'lifecycle_churned_days' THEN 90 ELSE 4 END WHERE name IN ('lifecycle_churned_days', 'value_high_min_m');
SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session: back to the defaults');
SELECT dblink_exec('other', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session: its REPEATABLE READ snapshot is taken');
UPDATE gm.parameter SET value = 60 WHERE name = 'lifecycle_churned_days';
-- (a statement that locks a table not yet locked in that transaction takes in the invalidation)
SELECT is((SELECT x FROM dblink('other', $q$SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text
                                           FROM (SELECT FROM gm.parameter LIMIT 1) s$q$) AS t(x text)), 'churned',
          'inside its old REPEATABLE READ transaction the other session takes in the invalidation and rebuilds from the latest committed rows');
SELECT dblink_exec('other', 'COMMIT');
SELECT is(pg_temp.other_lifecycle(), 'churned', 'after that transaction the other session sees the committed override');
UPDATE gm.parameter SET value = CASE name WHEN 'lifecycle_churned_days' THEN 90 ELSE 4 END WHERE name IN ('lifecycle_churned_days', 'value_high_min_m');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
