-- follow-up work orders: two sessions racing on one order are serialised by the row lock;
-- one wins, the other gets the clear 55000 error; a rolled-back winner lets the other through
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT plan(14);

INSERT INTO gm.grid(grid_id, code, name, kind) VALUES (9101, 'RACE', 'race grid', 'logical');
INSERT INTO gm.grid_member(grid_id, role_name, duty) VALUES (9101, 'mkt_race', 'marketer');
SELECT gm.open_followup('race-1', 9101, 'visit', 'standard', '2026-03-02 10:00+08') AS id1 \gset
SELECT gm.open_followup('race-2', 9101, 'visit', 'standard', '2026-03-02 10:00+08') AS id2 \gset

SELECT format('host=%s port=%s dbname=%s user=postgres', current_setting('unix_socket_directories'),
              current_setting('port'), current_database()) AS conn \gset
SELECT dblink_connect('a', :'conn') \g /dev/null
SELECT dblink_connect('b', :'conn') \g /dev/null

-- 1. a responds and holds the lock; b's response waits, then fails with 55000
SELECT dblink_exec('a', 'BEGIN') \g /dev/null
SELECT is((SELECT s FROM dblink('a', format('SELECT gm.respond(%s, %L)::text', :id1, 'by a')) AS t(s text)),
          'responded', 'session a responds inside an open transaction');
SELECT is(dblink_send_query('b', format('SELECT gm.respond(%s, %L)::text', :id1, 'by b')), 1, 'session b sends its response');
DO $w$ BEGIN FOR i IN 1..400 LOOP   -- until b waits on the lock (at most 20 s)
  EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%by b%');
  PERFORM pg_sleep(0.05); END LOOP; END $w$;
SELECT is(dblink_is_busy('b'), 1, 'session b is still waiting');
SELECT ok(EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%by b%'),
          'session b waits on a lock (the row lock of the order)');
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'session a commits');
SELECT throws_ok($$SELECT * FROM dblink_get_result('b') AS t(s text)$$, '55000',
                 format('follow-up %s cannot go from state "responded" to "responded"', :id1),
                 'session b then gets the clear error naming both states');
SELECT is((SELECT count(*)::int FROM dblink_get_result('b') AS t(s text)), 0, 'session b is drained');
SELECT is((SELECT string_agg(note, ',') FROM gm.followup_history WHERE followup_id = :id1 AND to_state = 'responded'),
          'by a', 'exactly one response is recorded: the winner''s');
SELECT is((SELECT state::text FROM gm.followup WHERE followup_id = :id1), 'responded', 'the order is responded');

-- 2. a cancels but rolls back; b's waiting response then goes through: nothing lost
SELECT dblink_exec('a', 'BEGIN') \g /dev/null
SELECT is((SELECT s FROM dblink('a', format('SELECT gm.cancel(%s, %L)::text', :id2, 'cancel by a')) AS t(s text)),
          'cancelled', 'session a cancels inside an open transaction');
SELECT is(dblink_send_query('b', format('SELECT gm.respond(%s, %L)::text', :id2, 'by b')), 1, 'session b sends its response');
DO $w$ BEGIN FOR i IN 1..400 LOOP   -- until b waits on the lock (at most 20 s)
  EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%by b%');
  PERFORM pg_sleep(0.05); END LOOP; END $w$;
SELECT dblink_exec('a', 'ROLLBACK') \g /dev/null
SELECT is((SELECT s FROM dblink_get_result('b') AS t(s text)), 'responded', 'after a rolls back, b''s response succeeds');
SELECT is((SELECT count(*)::int FROM dblink_get_result('b') AS t(s text)), 0, 'session b is drained');
SELECT is((SELECT string_agg(coalesce(from_state::text, '') || '>' || to_state, ' ' ORDER BY history_id) FROM gm.followup_history WHERE followup_id = :id2),
          '>new new>dispatched dispatched>responded', 'the history holds no trace of the rolled-back cancel');

SELECT dblink_disconnect('a') \g /dev/null
SELECT dblink_disconnect('b') \g /dev/null
SELECT * FROM finish();
