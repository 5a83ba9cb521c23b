
-------------------------------------------------------------------------------
-- Section 60: customer data protection and grid-scoped access (数据安全)
-------------------------------------------------------------------------------

-- Role whose members see every row of every table secured by gm.secure_table.  Roles are
-- cluster-wide: created here only when missing, and DROP EXTENSION leaves it in place.
DO $gm$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gm_admin') THEN
        CREATE ROLE gm_admin NOLOGIN;
        COMMENT ON ROLE gm_admin IS
            'grid_marketing: members see every row of tables secured by gm.secure_table (created by CREATE EXTENSION grid_marketing, left by DROP EXTENSION)';
    END IF;
END
$gm$;

-- (schema gm is usable by PUBLIC: see 00_core.sql)

-- masking ----------------------------------------------------------------------------------------

CREATE FUNCTION gm.mask_phone(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_phone(text) IS
    'Masks a phone number: mainland mobile -> 138****5678; other numbers of 7+ digits -> all but the last 4 digits as *; anything else -> ****';

CREATE FUNCTION gm.mask_id(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_id'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_id(text) IS
    'Masks an identifier (ID card number): keeps the first 6 and last 4 characters, at least a third always masked, under 8 characters all masked';

CREATE FUNCTION gm.mask_id(text, keep_prefix integer, keep_suffix integer) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_id'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_id(text, integer, integer) IS
    'Masks an identifier keeping keep_prefix leading and keep_suffix trailing characters (at least a third always masked)';

CREATE FUNCTION gm.mask_bank_card(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_bank_card'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_bank_card(text) IS
    'Masks a bank card number of 12-19 digits: first 6 + * per hidden digit + last 4; anything else -> ****';

CREATE FUNCTION gm.mask_name(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_name'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_name(text) IS
    'Masks a person''s name: keeps the surname (compound surnames such as 欧阳 whole), 张三 -> 张*; Latin names keep the initial of each word';

CREATE FUNCTION gm.mask_address(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_mask_address'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.mask_address(text) IS
    'Masks an address: keeps the province / city / district prefix (省 市 区 县 自治区 自治州 盟 旗), replaces the rest by ****';

-- normalisation and validation -------------------------------------------------------------------

CREATE FUNCTION gm.normalize_phone(text) RETURNS text
    AS 'MODULE_PATHNAME', 'gm_normalize_phone'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.normalize_phone(text) IS
    'The 11 digits of a mainland mobile number (drops +86 / 0086 / 86, spaces, dashes, full-width digits), NULL for anything else';

CREATE FUNCTION gm.valid_cn_id(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_valid_cn_id'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.valid_cn_id(text) IS
    'True for an 18-character resident ID number per GB 11643-1999: province code, valid birth date, ISO 7064 MOD 11-2 check character';

CREATE FUNCTION gm.valid_uscc(text) RETURNS boolean
    AS 'MODULE_PATHNAME', 'gm_valid_uscc'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm.valid_uscc(text) IS
    'True for a unified social credit code per GB 32100-2015: 18 characters of 0-9 A-H J-N P-R T-U W-Y, region digits, check character';

-- grid-scoped row-level security -----------------------------------------------------------------

CREATE FUNCTION gm._outer_role() RETURNS oid
    AS 'MODULE_PATHNAME', 'gm_outer_role'
    LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION gm._outer_role() IS
    'Internal: the role in effect outside SECURITY DEFINER functions (login role or SET ROLE), used by gm.my_grids()';

CREATE FUNCTION gm.my_grids() RETURNS bigint[]
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE me AS (
        SELECT gm._outer_role() AS uid
    ), admin AS (
        SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r, me
                       WHERE r.rolname OPERATOR(pg_catalog.=) 'gm_admin'
                         AND pg_catalog.pg_has_role(me.uid, r.oid, 'MEMBER')) AS yes
    ), direct AS (
        SELECT m.grid_id
        FROM gm.grid_member m
        JOIN pg_catalog.pg_roles r ON r.rolname OPERATOR(pg_catalog.=) m.role_name
        CROSS JOIN me
        WHERE m.valid_from OPERATOR(pg_catalog.<=) CURRENT_DATE
          AND CURRENT_DATE OPERATOR(pg_catalog.<) m.valid_to
          AND pg_catalog.pg_has_role(me.uid, r.oid, 'MEMBER')
    ), tree(grid_id) AS (
        SELECT grid_id FROM direct
        UNION
        SELECT g.grid_id FROM gm.grid g JOIN tree t ON g.parent_id OPERATOR(pg_catalog.=) t.grid_id
    ), visible AS (
        SELECT grid_id FROM tree WHERE NOT (SELECT yes FROM admin)
        UNION
        SELECT grid_id FROM gm.grid WHERE (SELECT yes FROM admin)
    )
    SELECT COALESCE(pg_catalog.array_agg(grid_id ORDER BY grid_id), '{}'::bigint[]) FROM visible
$$;
COMMENT ON FUNCTION gm.my_grids() IS
    'Grid ids visible to the current role: grids of its current memberships (directly or through a role it belongs to) and every grid below them; all grids for gm_admin members';

CREATE FUNCTION gm._drop_policies(tbl regclass) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    pol name;
BEGIN
    FOR pol IN SELECT p.polname FROM pg_catalog.pg_policy p
               WHERE p.polrelid = tbl AND p.polname IN ('gm_grid_scope', 'gm_admin_all') LOOP
        EXECUTE pg_catalog.format('DROP POLICY %I ON %s', pol, tbl);
    END LOOP;
END
$$;
COMMENT ON FUNCTION gm._drop_policies(regclass) IS
    'Internal: drops the policies gm.secure_table installs (gm_grid_scope, gm_admin_all) from a table, if present';

CREATE FUNCTION gm.secure_table(tbl regclass, grid_column name, force boolean DEFAULT false) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    kind "char";
    typ  oid;
BEGIN
    SELECT c.relkind INTO kind FROM pg_catalog.pg_class c WHERE c.oid = tbl;
    IF kind IS NULL OR kind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'gm.secure_table: "%" is not a table', tbl USING ERRCODE = '42809';
    END IF;
    SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = tbl AND a.attname = grid_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF typ IS NULL THEN
        RAISE EXCEPTION 'gm.secure_table: column "%" of table % does not exist', grid_column, tbl
            USING ERRCODE = '42703';
    END IF;
    IF typ NOT IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                   'pg_catalog.int8'::pg_catalog.regtype) THEN
        RAISE EXCEPTION 'gm.secure_table: column "%" of table % is of type %, not an integer grid id',
            grid_column, tbl, typ::pg_catalog.regtype USING ERRCODE = '42804';
    END IF;
    EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    IF force THEN
        EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    ELSE
        EXECUTE pg_catalog.format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
    END IF;
    PERFORM gm._drop_policies(tbl);
    -- the sub-select makes my_grids() an init plan: evaluated once per query, and indexable
    EXECUTE pg_catalog.format(
        'CREATE POLICY gm_grid_scope ON %s AS PERMISSIVE FOR ALL TO PUBLIC '
        'USING (%I OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[])) '
        'WITH CHECK (%I OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]))', tbl, grid_column, grid_column);
    EXECUTE pg_catalog.format(
        'CREATE POLICY gm_admin_all ON %s AS PERMISSIVE FOR ALL TO gm_admin USING (true) WITH CHECK (true)', tbl);
END
$$;
COMMENT ON FUNCTION gm.secure_table(regclass, name, boolean) IS
    'Enables row-level security on a table (FORCE when asked) with policies: rows of the grids in gm.my_grids(), everything for gm_admin members';

CREATE FUNCTION gm.unsecure_table(tbl regclass) RETURNS void
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM gm._drop_policies(tbl);
    EXECUTE pg_catalog.format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE pg_catalog.format('ALTER TABLE %s DISABLE ROW LEVEL SECURITY', tbl);
END
$$;
COMMENT ON FUNCTION gm.unsecure_table(regclass) IS
    'Removes the policies installed by gm.secure_table and disables row-level security on the table';

CREATE FUNCTION gm.create_masked_view(src regclass, view_name text, masks jsonb,
                                      grantee regrole DEFAULT NULL, security_invoker boolean DEFAULT false)
    RETURNS regclass
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts   text[];
    target  text;
    cols    text := '';
    col     record;
    kind    text;
    expr    text;
    unknown text;
    result  regclass;
BEGIN
    IF masks IS NULL OR pg_catalog.jsonb_typeof(masks) <> 'object' THEN
        RAISE EXCEPTION 'gm.create_masked_view: masks must be a JSON object {"column": "kind"}, not %', masks
            USING ERRCODE = '22023';
    END IF;
    -- a kind that is not a JSON string (null, a number, ...) must not leave its column unmasked
    SELECT e.key INTO unknown FROM pg_catalog.jsonb_each(masks) e
    WHERE pg_catalog.jsonb_typeof(e.value) <> 'string' LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'gm.create_masked_view: the masking kind of column "%" must be a string, not %', unknown, masks -> unknown
            USING ERRCODE = '22023', HINT = 'Kinds: phone, id, bank_card, name, address, null, omit.';
    END IF;
    SELECT k INTO unknown FROM pg_catalog.jsonb_object_keys(masks) k
    WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                      WHERE a.attrelid = src AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped)
    LIMIT 1;
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'gm.create_masked_view: column "%" of % does not exist', unknown, src USING ERRCODE = '42703';
    END IF;
    parts := pg_catalog.parse_ident(view_name);
    IF pg_catalog.cardinality(parts) = 1 THEN
        SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(parts[1]) INTO target
        FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = src;
    ELSIF pg_catalog.cardinality(parts) = 2 THEN
        target := pg_catalog.quote_ident(parts[1]) || '.' || pg_catalog.quote_ident(parts[2]);
    ELSE
        RAISE EXCEPTION 'gm.create_masked_view: invalid view name "%"', view_name USING ERRCODE = '42602';
    END IF;
    FOR col IN SELECT a.attname, a.atttypid::pg_catalog.regtype AS typ FROM pg_catalog.pg_attribute a
               WHERE a.attrelid = src AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LOOP
        kind := masks ->> col.attname::text;
        expr := CASE kind
            WHEN 'phone' THEN pg_catalog.format('gm.mask_phone(%I::pg_catalog.text)', col.attname)
            WHEN 'id' THEN pg_catalog.format('gm.mask_id(%I::pg_catalog.text)', col.attname)
            WHEN 'bank_card' THEN pg_catalog.format('gm.mask_bank_card(%I::pg_catalog.text)', col.attname)
            WHEN 'name' THEN pg_catalog.format('gm.mask_name(%I::pg_catalog.text)', col.attname)
            WHEN 'address' THEN pg_catalog.format('gm.mask_address(%I::pg_catalog.text)', col.attname)
            WHEN 'null' THEN pg_catalog.format('NULL::%s', col.typ)
            WHEN 'omit' THEN ''
            ELSE NULL END;
        IF kind IS NULL THEN
            expr := pg_catalog.quote_ident(col.attname);
        ELSIF expr IS NULL THEN
            RAISE EXCEPTION 'gm.create_masked_view: unknown masking kind "%" for column "%"', kind, col.attname
                USING ERRCODE = '22023',
                      HINT = 'Kinds: phone, id, bank_card, name, address, null, omit.';
        ELSIF expr = '' THEN
            CONTINUE;
        ELSE
            expr := expr || ' AS ' || pg_catalog.quote_ident(col.attname);
        END IF;
        cols := cols || CASE WHEN cols = '' THEN '' ELSE ', ' END || expr;
    END LOOP;
    IF cols = '' THEN
        RAISE EXCEPTION 'gm.create_masked_view: no column of % left in the view', src USING ERRCODE = '22023',
            HINT = 'Give at least one column a masking kind other than omit, or leave it out of masks.';
    END IF;
    EXECUTE pg_catalog.format('CREATE VIEW %s WITH (security_barrier = true, security_invoker = %s) AS SELECT %s FROM %s',
                              target, CASE WHEN security_invoker THEN 'true' ELSE 'false' END, cols, src);
    result := pg_catalog.to_regclass(target);
    EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', target,
                              pg_catalog.format('Masked view of %s made by gm.create_masked_view', src));
    IF grantee IS NOT NULL THEN
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', target, grantee);
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION gm.create_masked_view(regclass, text, jsonb, regrole, boolean) IS
    'Creates a view of a table with columns masked by kind (phone, id, bank_card, name, address, null, omit) and grants SELECT on it to a role';

-- Work orders are grid-scoped ----------------------------------------------------------------------
-- Work orders, their history and work logs follow the grid exactly as customers of a table
-- secured by gm.secure_table do: a grid member sees the orders of their grid, a region manager
-- those of every grid below the region, gm_admin members (and superusers) all, others none.
-- Orders are changed only through the SECURITY DEFINER API (gm.open_followup, gm.dispatch, ...),
-- which checks the same scope for the calling role (gm._may_act_on_grid, 42501).

CREATE FUNCTION gm._grid_admin() RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r
                    WHERE (r.rolname OPERATOR(pg_catalog.=) 'gm_admin'
                           AND pg_catalog.pg_has_role(gm._outer_role(), r.oid, 'MEMBER'))
                       OR (r.oid OPERATOR(pg_catalog.=) gm._outer_role() AND (r.rolsuper OR r.rolbypassrls)))
$$;
COMMENT ON FUNCTION gm._grid_admin() IS
    'Internal: whether the calling role sees every grid (member of gm_admin, superuser or BYPASSRLS)';

CREATE FUNCTION gm._may_act_on_grid(grid bigint) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT gm._grid_admin() OR $1 OPERATOR(pg_catalog.=) ANY (gm.my_grids())
$$;
COMMENT ON FUNCTION gm._may_act_on_grid(bigint) IS
    'Internal: whether the calling role may see and act on work orders of a grid (its grids and those below them; everything for gm_admin)';

ALTER TABLE gm.followup ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.followup AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
ALTER TABLE gm.followup_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.followup_history AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (EXISTS (SELECT 1 FROM gm.followup f WHERE f.followup_id OPERATOR(pg_catalog.=) followup_history.followup_id));
ALTER TABLE gm.work_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY gm_grid_scope ON gm.work_log AS PERMISSIVE FOR SELECT TO PUBLIC
    USING (grid_id OPERATOR(pg_catalog.=) ANY ((SELECT gm.my_grids())::pg_catalog.int8[]) OR (SELECT gm._grid_admin()));
GRANT SELECT ON gm.followup, gm.followup_history, gm.work_log TO PUBLIC;

-- The CRM application role: members may name the acting person of a transaction (gm.set_actor).
-- Created here only when missing, like gm_admin; the DBA grants it to the CRM's login.
DO $gm$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'gm_app') THEN
        CREATE ROLE gm_app NOLOGIN;
        COMMENT ON ROLE gm_app IS
            'grid_marketing: members (CRM connection pools) may name the acting person per transaction with gm.set_actor (created by CREATE EXTENSION grid_marketing, left by DROP EXTENSION)';
    END IF;
END
$gm$;
GRANT EXECUTE ON FUNCTION gm.set_actor(name) TO gm_app;

-- The follow-up views read as the caller (security_invoker), so the policies above scope them
-- too; their configuration tables are readable by every role, like the rest of the configuration.
ALTER VIEW gm.followup_status SET (security_invoker = true);
ALTER VIEW gm.followup_escalated SET (security_invoker = true);
ALTER VIEW gm.followup_unrouted SET (security_invoker = true);
ALTER VIEW gm.complaint_stats SET (security_invoker = true);
ALTER VIEW gm.followup_kpi SET (security_invoker = true);
ALTER VIEW gm.followup_daily_output SET (security_invoker = true);
ALTER VIEW gm.work_log_unreviewed SET (security_invoker = true);
GRANT SELECT ON gm.followup_event, gm.followup_tier, gm.followup_cadence, gm.followup_setting, gm.followup_transition,
                gm.followup_status, gm.followup_escalated, gm.followup_unrouted, gm.complaint_stats, gm.followup_kpi,
                gm.followup_daily_output, gm.work_log_unreviewed, gm.run_status TO PUBLIC;
