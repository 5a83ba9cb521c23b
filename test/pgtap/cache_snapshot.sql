-- configuration caches are rebuilt from the latest committed rows, not from the snapshot of the
-- statement or REPEATABLE READ transaction in which an invalidation happens to arrive: such a
-- cache would otherwise stay stale for the rest of the session (gm.h, gm_cache_read_begin).
-- The other session is a dblink connection that commits changes.
SELECT plan(6);
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('other', format('host=%s port=%s dbname=%s user=postgres',
       current_setting('unix_socket_directories'), current_setting('port'), current_database()));
INSERT INTO gm.grid(code, name, geom) VALUES ('CS-A', 'a', ST_Multi(ST_MakeEnvelope(0, 0, 10, 10))),
                                             ('CS-B', 'b', ST_Multi(ST_MakeEnvelope(20, 0, 30, 10)));
SELECT gm.create_calendar('cs', 'UTC', 'Mon-Fri 09:00-17:00');
CREATE TABLE cs_other (x int);

-- grids
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT is(gm.assign_grid(ST_MakePoint(25, 5)), (SELECT grid_id FROM gm.grid WHERE code = 'CS-B'), 'cache built inside a repeatable read transaction');
SELECT dblink_exec('other', $$UPDATE gm.grid SET geom = ST_Multi(ST_MakeEnvelope(0, 0, 30, 10)) WHERE code = 'CS-A'$$);
SELECT dblink_exec('other', $$DELETE FROM gm.grid WHERE code = 'CS-B'$$);
SELECT count(*) FROM cs_other;                 -- a new lock: the invalidation arrives here
-- the rebuild reads the latest committed rows (not the transaction's snapshot): CS-A now covers the point
SELECT is(gm.assign_grid(ST_MakePoint(25, 5)), (SELECT grid_id FROM dblink('other', $$SELECT grid_id FROM gm.grid WHERE code = 'CS-A'$$) AS t(grid_id bigint)),
          'inside the old transaction the rebuilt index answers from the latest committed rows (CS-A)');
COMMIT;
SELECT is(gm.assign_grid(ST_MakePoint(25, 5)), (SELECT grid_id FROM gm.grid WHERE code = 'CS-A'),
          'after the transaction the other session''s committed change is seen (no stale index)');

-- calendars
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT is(gm.add_working_days('2026-03-02', 1, 'cs'), '2026-03-03'::date, 'calendar cached inside a repeatable read transaction');
SELECT dblink_exec('other', $q$DO $d$ BEGIN PERFORM gm.set_calendar_day('cs', '2026-03-03', false, 'closed'); END $d$$q$);
SELECT count(*) FROM cs_other;
SELECT is(gm.add_working_days('2026-03-02', 1, 'cs'), '2026-03-04'::date,
          'inside the old transaction the rebuilt calendar has the committed closure');
COMMIT;
SELECT is(gm.add_working_days('2026-03-02', 1, 'cs'), '2026-03-04'::date,
          'after the transaction the other session''s new holiday is seen (no stale calendar)');

SELECT dblink_disconnect('other');
SELECT * FROM finish();
