-- tiering: the per-backend cache of gm.tier_config is never stale after a commit (two sessions
-- through dblink) and never keeps rows of a rolled-back change
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(9);
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=postgres',
       current_setting('unix_socket_directories'), current_setting('port'), current_database()));
CREATE FUNCTION pg_temp.other_lifecycle() RETURNS text LANGUAGE sql AS $$
    SELECT x FROM dblink('other', $q$SELECT gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text$q$) AS t(x text) $$;
CREATE FUNCTION pg_temp.other_tier() RETURNS text LANGUAGE sql AS $$
    SELECT x FROM dblink('other', $q$SELECT gm.value_tier('534')::text$q$) AS t(x text) $$;

SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session: idle 80 days is at_risk with the default churn threshold (cache built)');
SELECT is(pg_temp.other_tier(), 'high', 'other session: 534 is high value with the defaults');

BEGIN;
INSERT INTO gm.tier_config(name, value, note) VALUES ('lifecycle_churned_days', 60, 'test'), ('value_high_min_m', 5, 'test');
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'churned', 'own session sees the override at once');
SELECT is(pg_temp.other_lifecycle(), 'at_risk', 'other session does not see the uncommitted override');
COMMIT;
SELECT is(pg_temp.other_lifecycle(), 'churned', 'other session sees the committed override');
SELECT is(pg_temp.other_tier(), 'potential', 'other session sees the committed value tier threshold');

BEGIN;
DELETE FROM gm.tier_config WHERE NOT is_default;
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'at_risk', 'deleting the override restores the default at once');
ROLLBACK;
SELECT is(gm.lifecycle('2025-01-01', '2026-09-01', NULL, false, false, '2026-11-20')::text, 'churned', 'after ROLLBACK the override applies again in the own session');
SELECT is(pg_temp.other_lifecycle(), 'churned', 'the other session never saw the rolled-back delete');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
