-- grid_marketing 0.1.1 -> 0.2.0
\echo Use "ALTER EXTENSION grid_marketing UPDATE TO '0.2.0'" to load this file. \quit

-- Each change below is also in sql/parts (the source of a fresh 0.2.0 install);
-- test/scripts/upgrade.sh checks that 0.1.0 -> 0.1.1 -> 0.2.0 gives a fresh install's catalog.
