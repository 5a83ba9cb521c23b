-- demo step: Follow-up work orders
\echo
\echo '---- Follow-up work orders ----'
