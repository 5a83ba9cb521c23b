-------------------------------------------------------------------------------
-- Section 90: scale-out — keeping configuration in step across servers
-------------------------------------------------------------------------------
-- The coordinator holds the master copy of the configuration tables (the tables the extension
-- registered with pg_extension_config_dump, less the operational records: grids, teams,
-- calendars, policies, ...).  Shards need the same rows for their STABLE lookups.
-- gm.push_config(server) copies them over the postgres_fdw server the shard is reached by, in
-- one transaction of the caller.

-- The configuration tables, in registration order (parents before children), with the
-- condition that selects their user rows.  The other dumped tables hold operational records
-- (work orders and their history, work log, assignment and class history, runs): they belong to the
-- server where the work happens and are neither pushed nor fingerprinted.
-- addresses: also in the upgrade script {
CREATE OR REPLACE FUNCTION gm._config_tables()
RETURNS TABLE (relid oid, relname name, cond text, ord integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT c.oid, c.relname, coalesce(nullif(x.extcondition[i], ''), ''), i
    FROM pg_extension x CROSS JOIN LATERAL generate_subscripts(x.extconfig, 1) i
    JOIN pg_class c ON c.oid = x.extconfig[i]
    WHERE x.extname = 'grid_marketing' AND c.relkind IN ('r', 'p')
      AND c.relname <> ALL (ARRAY['assignment_log', 'followup', 'followup_history', 'work_log',
                                  'grid_class_history', 'run',
                                  -- addresses (issue #20): the register and the records of runs
                                  'community', 'community_alias', 'community_building', 'community_competitor',
                                  'placement', 'duplicate_candidate', 'merge_log', 'quality_snapshot',
                                  -- performance (issue #19): the records of sales, targets, actuals, alerts, campaigns
                                  'sale', 'survey', 'spend', 'target', 'actual', 'period_close', 'target_proposal',
                                  'alert', 'campaign', 'campaign_customer']::name[])
$$;
COMMENT ON FUNCTION gm._config_tables() IS
    'Internal: the configuration tables (dumped tables less the operational records) in registration order, with their user-row condition';
-- addresses: }

CREATE FUNCTION gm.config_fingerprint() RETURNS text
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog
AS $$
DECLARE
    t record;
    acc text := '';
    h text;
BEGIN
    FOR t IN
        SELECT ct.relid::regclass AS rel, ct.cond FROM gm._config_tables() ct ORDER BY ct.relname
    LOOP
        EXECUTE format('SELECT md5(coalesce(string_agg(r::text, %L ORDER BY r::text), %L)) FROM %s r %s',
                       E'\n', '', t.rel, t.cond)
            INTO h;
        acc := acc || t.rel::text || ':' || h || ';';
    END LOOP;
    RETURN md5(acc);
END
$$;
COMMENT ON FUNCTION gm.config_fingerprint() IS
    'md5 over the user rows of every configuration table: equal on two servers when their configuration is in step';

CREATE FUNCTION gm.push_config(server name) RETURNS TABLE (table_name text, rows_sent bigint)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog
SET client_min_messages = warning
AS $$
DECLARE
    stage name := '_gm_push_' || server;
    t record;
    n bigint;
    cols text;
    rels text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_foreign_server WHERE srvname = server) THEN
        RAISE EXCEPTION 'foreign server "%" does not exist', server
            USING ERRCODE = '42704', HINT = 'Create it with CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
                   WHERE s.srvname = server AND w.fdwname = 'postgres_fdw') THEN
        RAISE EXCEPTION 'foreign server "%" does not use postgres_fdw', server USING ERRCODE = '42809',
            HINT = 'Point it at a server created with FOREIGN DATA WRAPPER postgres_fdw.';
    END IF;
    -- configuration tables in registration order (parents are registered before children)
    SELECT array_agg(ct.relname::text ORDER BY ct.ord) INTO rels FROM gm._config_tables() ct;

    EXECUTE format('DROP SCHEMA IF EXISTS %I CASCADE', stage);
    EXECUTE format('CREATE SCHEMA %I', stage);
    EXECUTE format('IMPORT FOREIGN SCHEMA gm LIMIT TO (%s) FROM SERVER %I INTO %I',
                   (SELECT string_agg(quote_ident(r), ', ') FROM unnest(rels) r), server, stage);
    -- children first out, parents first in
    -- (a table of the configuration model keeps the shard's shipped and edited rows: edits cannot
    -- be deleted, and the coordinator's edits arrive below as inserts, which edit the shipped rows)
    FOR t IN SELECT ct.relname, CASE WHEN EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = ct.relid AND a.attname = 'origin'
                                                    AND a.atttypid = 'gm.origin'::regtype)
                                     THEN $c$WHERE origin = 'user'$c$ ELSE ct.cond END AS cond
             FROM gm._config_tables() ct ORDER BY ct.ord DESC
    LOOP
        EXECUTE format('DELETE FROM %I.%I %s', stage, t.relname, t.cond);
    END LOOP;
    FOR t IN SELECT ct.relid, ct.relname, ct.cond FROM gm._config_tables() ct ORDER BY ct.ord
    LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO cols
        FROM pg_attribute a WHERE a.attrelid = t.relid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';
        EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM gm.%I %s', stage, t.relname, cols, cols, t.relname, t.cond);
        GET DIAGNOSTICS n = ROW_COUNT;
        table_name := 'gm.' || t.relname; rows_sent := n;
        RETURN NEXT;
    END LOOP;
    EXECUTE format('DROP SCHEMA %I CASCADE', stage);
END
$$;
COMMENT ON FUNCTION gm.push_config(name) IS
    'Copy every configuration table''s user rows to the shard behind a postgres_fdw server (replacing its rows), in the caller''s transaction';
