-- performance (issue #19): the monthly summaries of sales and surveys behind the actuals, kept in
-- step by statement triggers (insert, update, delete, truncate, a grid deleted under the sales, two
-- sessions racing on one summary row), the whole-month / part-month split of the indicator
-- functions, and gm.compute_actuals as a merge that rewrites only what changed
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT no_plan();

INSERT INTO gm.grid(code, name, kind) VALUES ('R1', 'region one', 'physical');
INSERT INTO gm.grid(code, name, kind, parent_id)
SELECT v, 'grid ' || v, 'physical', (SELECT grid_id FROM gm.grid WHERE code = 'R1') FROM unnest(ARRAY['G1', 'G2', 'G3']) v;
CREATE FUNCTION pg_temp.g(text) RETURNS bigint LANGUAGE sql AS $$ SELECT grid_id FROM gm.grid WHERE code = $1 $$;
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from) VALUES
    (pg_temp.g('G1'), 'a1', 'marketer', '2025-01-01'), (pg_temp.g('G2'), 'a2', 'marketer', '2025-01-01');

-- the summary as it should be, from the rows themselves; the rows that differ either way
CREATE FUNCTION pg_temp.sale_diff() RETURNS bigint LANGUAGE sql AS $$
    WITH want AS (SELECT date_trunc('month', s.sold_on::timestamp)::date AS month, s.grid_id, s.person, s.product, sum(s.amount) AS amount,
                         count(*) AS sales, count(*) FILTER (WHERE s.new_customer) AS nc, count(*) FILTER (WHERE s.campaign_id IS NOT NULL) AS cs
                    FROM gm.sale s GROUP BY 1, 2, 3, 4),
         have AS (SELECT month, grid_id, person, product, amount, sales, new_customers AS nc, campaign_sales AS cs FROM gm.sale_month)
    SELECT count(*) FROM ((TABLE want EXCEPT ALL TABLE have) UNION ALL (TABLE have EXCEPT ALL TABLE want)) d
$$;
CREATE FUNCTION pg_temp.survey_diff() RETURNS bigint LANGUAGE sql AS $$
    WITH want AS (SELECT date_trunc('month', v.answered_on::timestamp)::date AS month, v.grid_id, v.person, count(*) AS answers,
                         count(v.nps_score) AS na, count(*) FILTER (WHERE v.nps_score >= 9) AS np, count(*) FILTER (WHERE v.nps_score <= 6) AS nd,
                         count(v.csat_score) AS ca, count(*) FILTER (WHERE v.csat_score >= 4) AS cs
                    FROM gm.survey v GROUP BY 1, 2, 3),
         have AS (SELECT month, grid_id, person, answers, nps_answers, nps_promoters, nps_detractors, csat_answers, csat_satisfied FROM gm.survey_month)
    SELECT count(*) FROM ((TABLE want EXCEPT ALL TABLE have) UNION ALL (TABLE have EXCEPT ALL TABLE want)) d
$$;

-------------------------------------------------------------------------------
-- sales: every kind of statement keeps gm.sale_month exact
SELECT is((SELECT count(*) FROM gm.sale_month), 0::bigint, 'no sales, no summary rows');
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on, new_customer, campaign_id)
SELECT 'c' || i, pg_temp.g(CASE WHEN i % 3 = 0 THEN 'G2' ELSE 'G1' END), CASE WHEN i % 5 = 0 THEN NULL ELSE 'a' || (1 + i % 2) END,
       (ARRAY['broadband', 'mobile'])[1 + i % 2], (10 + i)::numeric / 4, date '2025-01-01' + i * 3, i % 4 = 0, CASE WHEN i % 7 = 0 THEN 1 END
FROM generate_series(1, 120) i;
SELECT is(pg_temp.sale_diff(), 0::bigint, 'a multi-row INSERT: the summary equals GROUP BY over the sales');
SELECT ok((SELECT count(*) FROM gm.sale_month WHERE grid_id IS NOT NULL AND person IS NULL) > 0, 'sales without a seller are summarised under a NULL person');
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('lone', NULL, NULL, 'tv', 99.99, '2025-02-14');
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('lone2', NULL, NULL, 'tv', 0.01, '2025-02-28');
SELECT is((SELECT amount::text || '/' || sales FROM gm.sale_month WHERE grid_id IS NULL AND product = 'tv'), '100.00/2',
          'single-row INSERTs without a grid add up in one NULL-grid row');
UPDATE gm.sale SET amount = amount + 1 WHERE customer_key IN ('c1', 'c2', 'c3');
SELECT is(pg_temp.sale_diff(), 0::bigint, 'UPDATE of amounts');
UPDATE gm.sale SET sold_on = sold_on + 40, grid_id = pg_temp.g('G3'), product = 'tv', new_customer = NOT new_customer WHERE customer_key LIKE 'c1%';
SELECT is(pg_temp.sale_diff(), 0::bigint, 'UPDATE moving sales to another month, grid and product');
UPDATE gm.sale SET person = NULL, campaign_id = 2 WHERE customer_key IN ('c4', 'c14');
SELECT is(pg_temp.sale_diff(), 0::bigint, 'UPDATE of seller and campaign');
SELECT is((SELECT count(*) FROM gm.sale_month WHERE sales <= 0), 0::bigint, 'no summary row is left empty or negative');
CREATE TEMP TABLE before AS SELECT * FROM gm.sale_month;
UPDATE gm.sale SET channel = 'store';
SELECT is((SELECT count(*) FROM ((TABLE before EXCEPT ALL TABLE gm.sale_month) UNION ALL (TABLE gm.sale_month EXCEPT ALL TABLE before)) d),
          0::bigint, 'an UPDATE of nothing summarised leaves the summary as it was');
DELETE FROM gm.sale WHERE customer_key IN ('lone', 'lone2');
SELECT is((SELECT count(*) FROM gm.sale_month WHERE grid_id IS NULL), 0::bigint, 'DELETE of the last sales of a key removes its summary row');
DELETE FROM gm.sale WHERE sold_on < '2025-03-01';
SELECT is(pg_temp.sale_diff(), 0::bigint, 'DELETE of two months');
SELECT is((SELECT count(*) FROM gm.sale_month WHERE month < '2025-03-01'), 0::bigint, 'and their months are gone from the summary');
DELETE FROM gm.grid WHERE code = 'G3';
SELECT is(pg_temp.sale_diff(), 0::bigint, 'a grid deleted under its sales (grid_id set NULL by the foreign key): the summary follows');
SELECT ok((SELECT count(*) FROM gm.sale_month WHERE grid_id IS NULL) > 0, 'its sales are now summarised without a grid');
SELECT is(gm.refresh_summaries() > 0, true, 'gm.refresh_summaries rebuilds the summaries');
SELECT is(pg_temp.sale_diff(), 0::bigint, 'and the rebuilt summary equals the kept one''s truth');
UPDATE gm.sale SET grid_id = pg_temp.g('G1') WHERE grid_id IS NULL;
SELECT is(pg_temp.sale_diff(), 0::bigint, 'sales given a grid again');

-- surveys
INSERT INTO gm.survey(customer_key, grid_id, person, answered_on, nps_score, csat_score)
SELECT 's' || i, pg_temp.g(CASE WHEN i % 2 = 0 THEN 'G1' ELSE 'G2' END), CASE WHEN i % 3 = 0 THEN NULL ELSE 'a1' END,
       date '2025-01-01' + i * 2, CASE WHEN i % 6 = 0 THEN NULL ELSE i % 11 END, CASE WHEN i % 5 = 0 THEN NULL ELSE 1 + i % 5 END
FROM generate_series(1, 150) i;
SELECT is(pg_temp.survey_diff(), 0::bigint, 'surveys: a multi-row INSERT, with unanswered questions');
UPDATE gm.survey SET nps_score = 10, csat_score = NULL WHERE customer_key IN ('s1', 's2', 's3');
UPDATE gm.survey SET answered_on = answered_on + 31, person = NULL WHERE customer_key LIKE 's4%';
SELECT is(pg_temp.survey_diff(), 0::bigint, 'surveys: UPDATE of scores, days and people');
DELETE FROM gm.survey WHERE customer_key LIKE 's1%';
SELECT is(pg_temp.survey_diff(), 0::bigint, 'surveys: DELETE');
SELECT is((SELECT count(*) FROM gm.survey_month WHERE answers <= 0), 0::bigint, 'no survey summary row is left empty');

-------------------------------------------------------------------------------
-- the indicator functions: whole months from the summary, the days of part months from the rows
CREATE FUNCTION pg_temp.rev(date, date) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(grid_id || ':' || coalesce(person::text, '-') || ':' || product || '=' || num, ',' ORDER BY grid_id, person, product), '')
      FROM gm.actual_revenue($1, $2)
$$;
CREATE FUNCTION pg_temp.rev_raw(date, date) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(string_agg(grid_id || ':' || coalesce(person::text, '-') || ':' || product || '=' || num, ',' ORDER BY grid_id, person, product), '')
      FROM (SELECT grid_id, person, product, sum(amount) AS num FROM gm.sale WHERE sold_on >= $1 AND sold_on < $2 GROUP BY 1, 2, 3) x
$$;
SELECT is(gm._whole_months('2025-03-01', '2025-06-01')::text, '(2025-03-01,2025-06-01)', 'whole months of a quarter: all three');
SELECT is(gm._whole_months('2025-03-15', '2025-06-10')::text, '(2025-04-01,2025-06-01)', 'whole months inside part months');
SELECT is(gm._whole_months('2025-03-15', '2025-04-10')::text, '(2025-04-10,2025-04-10)', 'no whole month: none (the rows cover it all)');
SELECT is(gm._whole_months('2025-12-01', '2026-01-01')::text, '(2025-12-01,2026-01-01)', 'December: across the year end');
SELECT is(gm._whole_months('2025-05-01', '2025-05-01')::text, '(2025-05-01,2025-05-01)', 'an empty range');
SELECT ok(pg_temp.rev('2025-03-01', '2025-07-01') <> '', 'there are sales in the range tested');
SELECT is(pg_temp.rev('2025-03-01', '2025-07-01'), pg_temp.rev_raw('2025-03-01', '2025-07-01'), 'revenue of whole months equals the rows');
SELECT is(pg_temp.rev('2025-03-17', '2025-08-09'), pg_temp.rev_raw('2025-03-17', '2025-08-09'), 'revenue of part months equals the rows');
SELECT is(pg_temp.rev('2025-04-03', '2025-04-29'), pg_temp.rev_raw('2025-04-03', '2025-04-29'), 'revenue of days inside one month equals the rows');
SELECT is(pg_temp.rev('2025-06-01', '2025-03-01'), '', 'a reversed range: nothing');
SELECT is((SELECT string_agg(grid_id || '=' || num || '/' || den, ',' ORDER BY grid_id) FROM gm.actual_nps('2025-02-11', '2025-06-20')),
          (SELECT string_agg(grid_id || '=' || n || '/' || d, ',' ORDER BY grid_id) FROM (
              SELECT grid_id, 100 * (count(*) FILTER (WHERE nps_score >= 9) - count(*) FILTER (WHERE nps_score <= 6))::numeric AS n, count(*)::numeric AS d
                FROM gm.survey WHERE answered_on >= '2025-02-11' AND answered_on < '2025-06-20' AND nps_score IS NOT NULL
               GROUP BY grid_id, person) x),
          'NPS over part months equals the answers');
SELECT is((SELECT string_agg(grid_id || '=' || num || '/' || den, ',' ORDER BY grid_id, person) FROM gm.actual_csat('2025-01-01', '2026-01-01')),
          (SELECT string_agg(grid_id || '=' || n || '/' || d, ',' ORDER BY grid_id, person) FROM (
              SELECT grid_id, person, 100 * count(*) FILTER (WHERE csat_score >= 4)::numeric AS n, count(*)::numeric AS d
                FROM gm.survey WHERE answered_on >= '2025-01-01' AND answered_on < '2026-01-01' AND csat_score IS NOT NULL
               GROUP BY grid_id, person) x),
          'CSAT of a year equals the answers');
SELECT is((SELECT string_agg(grid_id || '=' || num, ',' ORDER BY grid_id, person, product) FROM gm.actual_new_customers('2025-03-10', '2025-09-01')),
          (SELECT string_agg(grid_id || '=' || n, ',' ORDER BY grid_id, person, product) FROM (
              SELECT grid_id, person, product, count(*)::numeric AS n FROM gm.sale
               WHERE sold_on >= '2025-03-10' AND sold_on < '2025-09-01' AND new_customer GROUP BY 1, 2, 3) x),
          'new customers over part months equal the rows');

-------------------------------------------------------------------------------
-- gm.compute_actuals is a merge: what did not change is not rewritten
SELECT ok(gm.compute_actuals('month', '2025-05-01') > 0, 'May computed');
UPDATE gm.actual SET recorded_at = '2000-01-01' WHERE period_start = '2025-05-01';
CREATE TEMP TABLE may AS SELECT kpi, level, grid_id, person, product, value FROM gm.actual WHERE period_start = '2025-05-01';
SELECT is(gm.compute_actuals('month', '2025-05-01'), (SELECT count(*) FROM may), 'recomputed: the same rows');
SELECT is((SELECT count(*) FROM gm.actual WHERE period_start = '2025-05-01' AND recorded_at <> '2000-01-01'), 0::bigint,
          'nothing changed, nothing rewritten');
SELECT s.customer_key AS one_sale, s.person AS one_person, s.product AS one_product FROM gm.sale s
 WHERE s.sold_on >= '2025-05-01' AND s.sold_on < '2025-06-01' AND s.person IS NOT NULL AND NOT s.new_customer
 ORDER BY s.sale_id LIMIT 1 \gset
UPDATE gm.sale SET amount = amount + 10 WHERE customer_key = :'one_sale';
SELECT ok(gm.compute_actuals('month', '2025-05-01') > 0, 'recomputed after one sale changed');
SELECT is((SELECT string_agg(kpi || ':' || level || ':' || product, ',' ORDER BY kpi, level, product) FROM gm.actual
            WHERE period_start = '2025-05-01' AND recorded_at <> '2000-01-01'),
          format('revenue:company:,revenue:company:%1$s,revenue:grid:,revenue:grid:%1$s,revenue:person:,revenue:person:%1$s,revenue:region:,revenue:region:%1$s,roi:company:,roi:grid:,roi:region:', :'one_product'),
          'exactly the rows of that sale''s revenue (person, grid, region, company, with and without product) and ROI were rewritten');
SELECT is((SELECT value - (SELECT m.value FROM may m WHERE m.kpi = 'revenue' AND m.level = 'company' AND m.product = '')
             FROM gm.actual WHERE period_start = '2025-05-01' AND kpi = 'revenue' AND level = 'company' AND product = ''),
          10.00, 'the company''s revenue rose by the ten yuan');
DELETE FROM gm.sale WHERE sold_on >= '2025-05-01' AND sold_on < '2025-06-01' AND person = :'one_person';
SELECT ok(gm.compute_actuals('month', '2025-05-01') > 0, 'recomputed after the seller''s sales of the month were deleted');
SELECT is((SELECT count(*) FROM gm.actual WHERE period_start = '2025-05-01' AND level = 'person' AND person = :'one_person'), 0::bigint,
          'the seller''s person rows of the month are gone');
SELECT is((SELECT count(*) FROM gm.actual a WHERE a.period_start = '2025-05-01' AND a.kpi = 'revenue' AND a.level = 'grid' AND a.product = ''
              AND a.value IS DISTINCT FROM (SELECT sum(s.amount) FROM gm.sale s WHERE s.grid_id = a.grid_id AND s.sold_on >= '2025-05-01' AND s.sold_on < '2025-06-01')),
          0::bigint, 'every grid''s revenue of May equals its sales');
DELETE FROM gm.sale WHERE sold_on >= '2025-05-01' AND sold_on < '2025-06-01';
DELETE FROM gm.survey WHERE answered_on >= '2025-05-01' AND answered_on < '2025-06-01';
SELECT is(gm.compute_actuals('month', '2025-05-01'), 0::bigint, 'a month emptied: no rows');
SELECT is((SELECT count(*) FROM gm.actual WHERE period_start = '2025-05-01' AND source = 'computed'), 0::bigint, 'and its computed rows are deleted');

-------------------------------------------------------------------------------
-- two sessions selling into the same month, grid, seller and product at once: the second waits on
-- the summary row, then adds to it; nothing is lost
SELECT format('host=%s port=%s dbname=%s user=postgres', current_setting('unix_socket_directories'),
              current_setting('port'), current_database()) AS conn \gset
SELECT dblink_connect('a', :'conn') \g /dev/null
SELECT dblink_connect('b', :'conn') \g /dev/null
SELECT coalesce((SELECT amount FROM gm.sale_month WHERE month = '2025-10-01' AND grid_id = pg_temp.g('G2') AND person = 'a2' AND product = 'mobile'), 0) AS amt0 \gset
SELECT dblink_exec('a', 'BEGIN') \g /dev/null
SELECT is(dblink_exec('a', format($$INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('race-a', %s, 'a2', 'mobile', 100.10, '2025-10-05')$$, pg_temp.g('G2'))),
          'INSERT 0 1', 'session a sells and has not committed');
SELECT is(dblink_send_query('b', format($$INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('race-b', %s, 'a2', 'mobile', 0.90, '2025-10-06'), ('race-b2', %s, 'a2', 'mobile', 1.00, '2025-10-07')$$, pg_temp.g('G2'), pg_temp.g('G2'))),
          1, 'session b sells into the same month, grid, seller and product');
DO $w$ BEGIN FOR i IN 1..400 LOOP   -- until b waits (at most 20 s)
  EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%race-b%');
  PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot(); END LOOP; END $w$;
SELECT is(dblink_is_busy('b'), 1, 'session b waits on the summary row session a holds');
SELECT is(dblink_exec('a', 'COMMIT'), 'COMMIT', 'session a commits');
SELECT is((SELECT s FROM dblink_get_result('b') AS t(s text)), 'INSERT 0 2', 'session b then completes');
SELECT is((SELECT count(*)::int FROM dblink_get_result('b') AS t(s text)), 0, 'session b is drained');
SELECT is((SELECT amount - :amt0 FROM gm.sale_month WHERE month = '2025-10-01' AND grid_id = pg_temp.g('G2') AND person = 'a2' AND product = 'mobile'),
          102.00, 'the summary holds both sessions'' sales');
SELECT is(pg_temp.sale_diff(), 0::bigint, 'and equals the sales after the race');
-- a session deleting while another inserts into the same key
SELECT dblink_exec('a', 'BEGIN') \g /dev/null
SELECT is(dblink_exec('a', $$DELETE FROM gm.sale WHERE customer_key = 'race-a'$$), 'DELETE 1', 'session a deletes a sale and has not committed');
SELECT is(dblink_send_query('b', format($$INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('race-c', %s, 'a2', 'mobile', 5, '2025-10-09')$$, pg_temp.g('G2'))),
          1, 'session b sells into the same key');
DO $w$ BEGIN FOR i IN 1..400 LOOP
  EXIT WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%race-c%');
  PERFORM pg_sleep(0.05); PERFORM pg_stat_clear_snapshot(); END LOOP; END $w$;
SELECT is(dblink_exec('a', 'ROLLBACK'), 'ROLLBACK', 'session a rolls back');
SELECT is((SELECT s FROM dblink_get_result('b') AS t(s text)), 'INSERT 0 1', 'session b completes');
SELECT is((SELECT count(*)::int FROM dblink_get_result('b') AS t(s text)), 0, 'session b is drained again');
SELECT is(pg_temp.sale_diff(), 0::bigint, 'the summary equals the sales: the rolled-back delete left no trace');
SELECT dblink_disconnect('a') \g /dev/null
SELECT dblink_disconnect('b') \g /dev/null

-------------------------------------------------------------------------------
-- TRUNCATE, and who may write
TRUNCATE gm.sale;
SELECT is((SELECT count(*) FROM gm.sale_month), 0::bigint, 'TRUNCATE of the sales empties their summary');
TRUNCATE gm.survey;
SELECT is((SELECT count(*) FROM gm.survey_month), 0::bigint, 'TRUNCATE of the surveys empties theirs');
SELECT is(has_table_privilege('gm_app', 'gm.sale_month', 'INSERT'), false, 'the CRM role cannot write a summary directly');
SELECT is(has_function_privilege('gm_app', 'gm.refresh_summaries()', 'EXECUTE'), false, 'nor rebuild it');
SELECT pg_temp.g('G1') AS g1 \gset
SET ROLE gm_app;
INSERT INTO gm.sale(customer_key, grid_id, person, product, amount, sold_on) VALUES ('app', :g1, 'a1', 'tv', 12.34, '2025-11-11');
RESET ROLE;
SELECT is((SELECT amount FROM gm.sale_month WHERE month = '2025-11-01'), 12.34, 'a sale the CRM role writes reaches the summary through the trigger');

SELECT * FROM finish();
