-- demo step: Data protection
\echo
\echo '---- Data protection ----'
