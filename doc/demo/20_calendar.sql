-- demo step: Calendars and deadlines
\echo
\echo '---- Calendars and deadlines ----'
