-- doc/demo.sql — the whole grid-marketing cycle on the sample city (run by `make demo`
-- after doc/sample_city.sql).  One file per capability under doc/demo/, in cycle order.
\set ON_ERROR_STOP on
\pset footer off
\echo
\echo '================ grid_marketing demo ================'
SELECT gm.version() AS grid_marketing_version;
\ir demo/10_grids.sql
\ir demo/20_calendar.sql
\ir demo/30_tiering.sql
\ir demo/40_kpi.sql
\ir demo/50_followup.sql
\ir demo/55_address.sql
\ir demo/60_protection.sql
\ir demo/70_planning.sql
\ir demo/80_scale_out.sql
\ir demo/85_performance.sql
\echo
\echo '================ end of demo ================'
