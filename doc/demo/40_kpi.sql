-- demo step: KPI dashboard
\echo
\echo '---- KPI dashboard ----'
