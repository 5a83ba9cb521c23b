-- demo step: Scale-out
\echo
\echo '---- Scale-out ----'
