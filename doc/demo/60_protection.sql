-- demo step: Data protection
\echo
\echo '---- Data protection ----'
-- Two grid managers of the sample city (roles named in city.staff / gm.grid_member) query the
-- same secured copy of city.customer and see different rows; an analyst sees masked data only.
-- The roles are created here (no login) and dropped at the end, so the step can run twice.
SET client_min_messages = warning;
DO $$
DECLARE r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['mgr_r1_g01', 'mgr_r2', 'demo_analyst'] LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('DROP OWNED BY %I', r);
            EXECUTE format('DROP ROLE %I', r);
        END IF;
        EXECUTE format('CREATE ROLE %I NOLOGIN', r);
    END LOOP;
END $$;
DROP TABLE IF EXISTS city.customer_secure CASCADE;
CREATE TABLE city.customer_secure AS SELECT * FROM city.customer;
CREATE INDEX ON city.customer_secure (grid_id);
ANALYZE city.customer_secure;
GRANT USAGE ON SCHEMA city TO mgr_r1_g01, mgr_r2, demo_analyst;
GRANT SELECT ON city.customer_secure TO mgr_r1_g01, mgr_r2;
\o /dev/null
SELECT gm.secure_table('city.customer_secure', 'grid_id');
SELECT gm.create_masked_view('city.customer_secure', 'customer_masked',
       '{"name": "name", "phone": "phone", "id_no": "id", "address": "address", "geom": "omit"}', 'demo_analyst');
\o
RESET client_min_messages;

\echo 'Who holds which grid (gm.grid_member, from city.staff):'
SELECT m.role_name, m.duty, g.code AS grid, (SELECT count(*) FROM gm.grid c WHERE c.parent_id = g.grid_id) AS grids_below
FROM gm.grid_member m JOIN gm.grid g USING (grid_id)
WHERE m.role_name IN ('mgr_r1_g01', 'mgr_r2') ORDER BY m.role_name;

\echo 'The same query, SELECT count(*) FROM city.customer_secure, as three roles:'
SET ROLE mgr_r1_g01;
SELECT current_user AS role, count(*) AS customers_seen, count(DISTINCT grid_id) AS grids_seen,
       cardinality(gm.my_grids()) AS my_grids
FROM city.customer_secure;
RESET ROLE;
SET ROLE mgr_r2;
SELECT current_user AS role, count(*) AS customers_seen, count(DISTINCT grid_id) AS grids_seen,
       cardinality(gm.my_grids()) AS my_grids
FROM city.customer_secure;
RESET ROLE;
SELECT current_user AS role, count(*) AS customers_seen, count(DISTINCT grid_id) AS grids_seen, 'owner: no RLS' AS note
FROM city.customer_secure;

\echo 'The analyst reads the masked view (and may not read the table):'
SET ROLE demo_analyst;
SELECT customer_id, name, phone, id_no, address FROM city.customer_masked ORDER BY customer_id LIMIT 5;
SELECT count(*) AS analyst_rows FROM city.customer_masked;
RESET ROLE;
SELECT has_table_privilege('demo_analyst', 'city.customer_secure', 'SELECT') AS analyst_may_read_table;

\echo 'Phones, ID numbers and credit codes: normalised and checked'
SELECT s AS input, gm.normalize_phone(s) AS normalized, gm.mask_phone(s) AS masked
FROM (VALUES ('+86 138-1234-5678'), ('0086 １３９ ０００１ ２３４５'), ('0571-8888 1234')) v(s);
SELECT count(*) FILTER (WHERE gm.valid_cn_id(id_no)) AS valid_id_numbers, count(*) AS customers,
       gm.valid_uscc('91350100M000100Y43') AS uscc_ok
FROM city.customer;

-- clean up: the secured copy, the view and the roles
SET client_min_messages = warning;
DROP TABLE city.customer_secure CASCADE;
DROP OWNED BY mgr_r1_g01, mgr_r2, demo_analyst;
DROP ROLE mgr_r1_g01, mgr_r2, demo_analyst;
RESET client_min_messages;
