-- demo step: Customer tiering
\echo
\echo '---- Customer tiering ----'
