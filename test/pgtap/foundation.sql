-- foundation: install, drop and reinstall cleanly, also with a hostile schema first on the search_path
BEGIN;
SELECT plan(11);

SELECT has_extension('grid_marketing', 'grid_marketing is installed');
SELECT is(gm.version(), (SELECT extversion FROM pg_extension WHERE extname = 'grid_marketing'), 'gm.version() matches the catalog');
SELECT volatility_is('gm', 'version', ARRAY[]::name[], 'immutable', 'gm.version() is IMMUTABLE');

-- a hostile schema shadowing catalog and PostGIS names, first on the search_path
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.pg_extension_config_dump(regclass, text) RETURNS void LANGUAGE sql AS $$ SELECT NULL::void $$;
CREATE FUNCTION hostile.st_covers(geometry, geometry) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE TABLE hostile.grid (x int);
CREATE FUNCTION hostile.now() RETURNS timestamptz LANGUAGE sql AS $$ SELECT 'epoch'::timestamptz $$;
SET LOCAL search_path = hostile, public, pg_catalog;

SELECT lives_ok('DROP EXTENSION grid_marketing', 'drops with a hostile search_path');
SELECT is((SELECT count(*)::int FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'gm')
          + (SELECT count(*)::int FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'gm'),
          0, 'nothing of the extension is left in schema gm after DROP EXTENSION');
SELECT lives_ok('CREATE EXTENSION grid_marketing', 're-installs with a hostile search_path');
SELECT is((SELECT count(*)::int FROM hostile.grid), 0, 'the hostile table was not touched');
SELECT ok((SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'grid_marketing') = 1, 'installed once');
SELECT isnt_empty($$SELECT 1 FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) c WHERE e.extname = 'grid_marketing'$$,
                  'configuration tables are registered for pg_dump');

-- every dumped table is either configuration (pushed to shards, fingerprinted) or an
-- operational record: a new dumped table must be placed on one side on purpose
SELECT is((SELECT string_agg(relname::text, ',' ORDER BY ord) FROM gm._config_tables()),
          'parameter,grid,grid_member,grid_rule,calendar_def,calendar_day,calendar_year,sla_policy,'
          'followup_event,followup_tier,followup_cadence,followup_setting,division,division_alias,customer_source,kpi,scorecard_item,commission_rule',
          'configuration tables: every dumped table but the operational records, in registration order');

-- every foreign key of the extension has an index whose leading columns are its referencing
-- columns: without one, every deleted or re-keyed referenced row scans the referencing table
SELECT is((SELECT string_agg(c.conrelid::regclass || '(' || c.conname || ')', ', ' ORDER BY 1)
           FROM pg_constraint c
           WHERE c.contype = 'f' AND c.connamespace = 'gm'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_index i
                             WHERE i.indrelid = c.conrelid
                               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
                               AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey)),
          NULL, 'every foreign key has an index on its referencing columns');

SELECT * FROM finish();
ROLLBACK;
