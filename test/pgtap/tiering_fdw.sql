-- tiering: gm.rfm_score on a gm.rfm_breaks value, compared with a gm.rfm constant, is shipped to a
-- postgres_fdw server (a loopback to this database, search_path = pg_catalog there) and gives the
-- same rows as the local table
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgres_fdw;
SELECT plan(6);
SELECT setseed(0.42);
CREATE TABLE t_cust AS SELECT i AS id, (random() * 365)::int::float8 AS r, (1 + random() * 50)::int::float8 AS f,
       round((random() * 10000)::numeric, 2)::float8 AS m FROM generate_series(1, 20000) i;
DO $$ BEGIN
  EXECUTE format('CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host %L, port %L, dbname %L, extensions %L)',
                 current_setting('unix_socket_directories'), current_setting('port'), current_database(), 'grid_marketing');
END $$;
CREATE USER MAPPING FOR CURRENT_USER SERVER loop OPTIONS (user 'postgres');
CREATE FOREIGN TABLE f_cust (id int, r float8, f float8, m float8) SERVER loop OPTIONS (table_name 't_cust');
SELECT gm.rfm_breaks(r, f, m)::text AS brk FROM t_cust \gset
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE l text; r text := '';
BEGIN FOR l IN EXECUTE 'EXPLAIN (VERBOSE, COSTS OFF) ' || q LOOP r := r || l || E'\n'; END LOOP; RETURN r; END $$;

SELECT matches(pg_temp.plan_of(format($q$SELECT id FROM f_cust WHERE gm.rfm_score(r, f, m, %L::gm.rfm_breaks) = '555'::gm.rfm$q$, :'brk')),
               'Remote SQL: .*gm\.rfm_score\(r, f, m, .*::gm\.rfm_breaks\) = ''555''::gm\.rfm',
               'WHERE gm.rfm_score(..., <breaks value>) = ''555'' is shipped whole to the foreign server');
SELECT is((SELECT array_agg(id ORDER BY id) FROM f_cust WHERE gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks) = '555'::gm.rfm),
          (SELECT array_agg(id ORDER BY id) FROM t_cust WHERE gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks) = '555'::gm.rfm),
          'the shipped filter selects the same customers as the local one');
SELECT ok((SELECT count(*) FROM t_cust WHERE gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks) = '555'::gm.rfm) > 0, 'and it selects some');
SELECT matches(pg_temp.plan_of(format($q$SELECT id FROM f_cust WHERE gm.rfm_score(r, f, m, %L::gm.rfm_breaks) >= '511'::gm.rfm AND gm.r(gm.rfm_score(r, f, m, %L::gm.rfm_breaks)) = 5$q$, :'brk', :'brk')),
               'Remote SQL: .*>= ''511''::gm\.rfm.*gm\.r\(',
               'range comparisons and accessors are shipped too');
SELECT is((SELECT count(*) FROM f_cust WHERE gm.rfm_segment(gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks)) = 'Champions'),
          (SELECT count(*) FROM t_cust WHERE gm.rfm_segment(gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks)) = 'Champions'),
          'segment filter through the foreign table equals the local one');
SET search_path = pg_catalog;
SELECT (SELECT count(*) FROM public.t_cust WHERE gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks) = '555'::gm.rfm) AS n_op,
       (SELECT count(*) FROM public.t_cust WHERE gm.rfm_score(r, f, m, :'brk'::gm.rfm_breaks)::text = '555') AS n_text \gset
RESET search_path;
SELECT is(:n_op, :n_text, 'with search_path = pg_catalog the gm.rfm operators still resolve');
SELECT * FROM finish();
