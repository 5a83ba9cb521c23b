-- The one configuration model (issue 18): gm.origin and the row trigger gm._config_row() on a
-- table of the test's own, a shipped row simulated with the triggers off; gm.parameter, gm.param.
BEGIN;
SELECT plan(17);
SET client_min_messages = warning;

CREATE TABLE pg_temp.cfg (k1 text, k2 int, v int NOT NULL, note text, origin gm.origin NOT NULL DEFAULT 'user', PRIMARY KEY (k1, k2));
CREATE TRIGGER cfg_origin BEFORE INSERT OR UPDATE OR DELETE ON pg_temp.cfg FOR EACH ROW EXECUTE FUNCTION gm._config_row('k1', 'k2');
SET LOCAL session_replication_role = replica;     -- as an install script would: rows as written
INSERT INTO pg_temp.cfg VALUES ('a', 1, 10, 'shipped a', 'shipped'), ('b', 1, 20, 'shipped b', 'shipped');
SET LOCAL session_replication_role = origin;

SELECT is((SELECT origin FROM pg_temp.cfg WHERE k1 = 'a'), 'shipped'::gm.origin, 'a shipped row');
UPDATE pg_temp.cfg SET v = 11 WHERE k1 = 'a';
SELECT is((SELECT v || '/' || origin FROM pg_temp.cfg WHERE k1 = 'a'), '11/edited', 'an UPDATE of a shipped row makes it edited');
UPDATE pg_temp.cfg SET v = 12, origin = 'shipped' WHERE k1 = 'a';
SELECT is((SELECT v || '/' || origin FROM pg_temp.cfg WHERE k1 = 'a'), '12/edited', 'an edited row cannot be declared shipped again');
INSERT INTO pg_temp.cfg(k1, k2, v, origin) VALUES ('c', 1, 30, 'shipped');
SELECT is((SELECT origin FROM pg_temp.cfg WHERE k1 = 'c'), 'user'::gm.origin, 'an INSERT is a user row, whatever origin it claims');
-- what pg_restore does: CREATE EXTENSION recreated the shipped row, then the dump inserts the edit
INSERT INTO pg_temp.cfg(k1, k2, v, note, origin) VALUES ('b', 1, 21, 'restored edit', 'edited');
SELECT is((SELECT count(*)::int FROM pg_temp.cfg WHERE k1 = 'b'), 1, 'an INSERT on a shipped key leaves one row');
SELECT is((SELECT v || '/' || note || '/' || origin FROM pg_temp.cfg WHERE k1 = 'b'), '21/restored edit/edited', 'and it is the edited values');
SELECT throws_ok($$DELETE FROM pg_temp.cfg WHERE k1 = 'b'$$, '55000', NULL, 'a shipped (edited) row cannot be deleted');
SELECT throws_ok($$UPDATE pg_temp.cfg SET k2 = 2 WHERE k1 = 'a'$$, '55000', NULL, 'the key of a shipped row cannot change');
SELECT lives_ok($$DELETE FROM pg_temp.cfg WHERE k1 = 'c'$$, 'a user row can be deleted');
SELECT throws_ok($$INSERT INTO pg_temp.cfg(k1, k2, v) VALUES ('c', 1, 1), ('c', 1, 2)$$, '23505', NULL, 'two user rows of one key: the primary key says no');
SELECT is((SELECT string_agg(k1 || '=' || v || ':' || origin, ',' ORDER BY k1) FROM pg_temp.cfg), 'a=12:edited,b=21:edited', 'nothing else changed');

-- gm.parameter and gm.param
SELECT lives_ok($$INSERT INTO gm.parameter(name, value, unit, domain, source) VALUES ('cfg_test_x', 7, 'days', 'test', 'ours')$$, 'a user parameter');
SELECT is(gm.param('cfg_test_x'), 7::numeric, 'gm.param reads it');
SELECT is((SELECT origin FROM gm.parameter WHERE name = 'cfg_test_x'), 'user'::gm.origin, 'as a user row');
SELECT throws_ok($$SELECT gm.param('no_such_parameter')$$, '42704', NULL, 'an unknown parameter -> 42704');
SELECT is(gm.param(NULL), NULL, 'NULL name -> NULL');
SELECT is((SELECT count(*)::int FROM gm.parameter p WHERE p.origin = 'shipped' AND (p.source IS NULL OR p.source = '' OR p.unit = '')), 0,
          'every shipped parameter says its unit and its source');

SELECT * FROM finish();
ROLLBACK;
