-- foundation: the extension is installed, versioned, and its objects live in schema gm
SELECT gm.version() = (SELECT extversion FROM pg_extension WHERE extname = 'grid_marketing') AS version_matches;
SELECT nspname FROM pg_namespace n JOIN pg_extension e ON e.extnamespace = n.oid WHERE e.extname = 'grid_marketing';
SELECT extrelocatable, (SELECT array_agg(x.extname ORDER BY x.extname) FROM pg_depend d JOIN pg_extension x ON x.oid = d.refobjid
        WHERE d.objid = e.oid AND d.classid = 'pg_extension'::regclass AND d.refclassid = 'pg_extension'::regclass) AS requires
FROM pg_extension e WHERE extname = 'grid_marketing';
-- the light type orders green < yellow < red
SELECT 'green'::gm.light < 'yellow'::gm.light AND 'yellow'::gm.light < 'red'::gm.light AS light_ordered;
SELECT 'amber'::gm.light;
-- the cache trigger refuses to be called directly
SELECT gm._config_changed();
