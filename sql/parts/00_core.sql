-- grid_marketing install script, assembled from sql/parts/*.sql (one section per domain).
\echo Use "CREATE EXTENSION grid_marketing CASCADE" to load this file. \quit

-------------------------------------------------------------------------------
-- Section 00: core
-------------------------------------------------------------------------------

-- Schema gm is created by CREATE EXTENSION (control file: schema = gm).  PostgreSQL does not
-- let an extension own the schema that holds it, so DROP EXTENSION leaves gm behind, empty.

-- Everybody may call the API of schema gm (functions keep their own EXECUTE grants, tables
-- their own privileges): CRM roles, analysts calling masking functions, grid teams.
GRANT USAGE ON SCHEMA gm TO PUBLIC;

CREATE FUNCTION gm.version() RETURNS text
    AS 'MODULE_PATHNAME', 'gm_version'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.version() IS
    'Version of the grid_marketing C library loaded in this backend';

-- Traffic light used by follow-up deadlines and KPI monitoring.  An enum so
-- that comparisons with constants ship to postgres_fdw shards.
CREATE TYPE gm.light AS ENUM ('green', 'yellow', 'red');
COMMENT ON TYPE gm.light IS
    'Traffic light: green on schedule, yellow at risk, red overdue / off target';

-- Statement-level trigger function put on every configuration table: queues a
-- relcache invalidation so that per-backend caches built from the table are
-- rebuilt (own backend at the next command, other backends at commit).
CREATE FUNCTION gm._config_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'gm_config_changed'
    LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION gm._config_changed() IS
    'Internal: statement trigger that invalidates per-backend caches of a configuration table';

