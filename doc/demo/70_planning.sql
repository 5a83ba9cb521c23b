-- demo step: Grid planning
\echo
\echo '---- Grid planning ----'
