-- bench: RFM scoring of 1,000,000 customers — gm.rfm_breaks + gm.rfm_score against three ntile(5)
-- windows (the stock-SQL way), on the same rows; the gm scores are first checked to equal the
-- percentile_disc reference on every customer (the run stops if not).
SELECT setseed(0.3);
DROP TABLE IF EXISTS cust;
CREATE TABLE cust AS
SELECT i AS id, (random() * 365)::int::float8 AS r, (1 + random() * 50)::int::float8 AS f,
       round((random() * 10000)::numeric, 2)::float8 AS m
FROM generate_series(1, 1000000) i;
VACUUM ANALYZE cust;

-- equality check: gm scores = percentile_disc cut points scored by plain SQL, every customer
DO $$
DECLARE bad bigint; brk text; ref text;
BEGIN
  SELECT gm.rfm_breaks(r, f, m)::text INTO brk FROM cust;
  SELECT format('r=[%s] f=[%s] m=[%s]',
                array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r), ','),
                array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f), ','),
                array_to_string(percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m), ','))
    INTO ref FROM cust;
  IF brk IS DISTINCT FROM ref THEN
    RAISE EXCEPTION 'gm.rfm_breaks % differs from percentile_disc %', brk, ref;
  END IF;
  WITH b AS (SELECT percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r) rb,
                    percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f) fb,
                    percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m) mb FROM cust),
       g AS (SELECT gm.rfm_breaks(r, f, m) AS br FROM cust)
  SELECT count(*) INTO bad FROM cust c, b, g
  WHERE gm.rfm_score(c.r, c.f, c.m, g.br)::text <>
        (5 - (b.rb[1] < c.r)::int - (b.rb[2] < c.r)::int - (b.rb[3] < c.r)::int - (b.rb[4] < c.r)::int)::text
        || (1 + (b.fb[1] < c.f)::int + (b.fb[2] < c.f)::int + (b.fb[3] < c.f)::int + (b.fb[4] < c.f)::int)::text
        || (1 + (b.mb[1] < c.m)::int + (b.mb[2] < c.m)::int + (b.mb[3] < c.m)::int + (b.mb[4] < c.m)::int)::text;
  IF bad <> 0 THEN
    RAISE EXCEPTION 'gm.rfm_score disagrees with the percentile_disc reference on % of 1,000,000 customers', bad;
  END IF;
END $$;

-- the acceptance query (issue 6): cut points and a score for every customer, >= 4x faster than ntile
SELECT bench.compare('RFM breaks + scores, 1M customers (vs 3 ntile windows)',
    'SELECT sum(r*100+f*10+m) FROM (SELECT ntile(5) over (order by r desc) r, ntile(5) over (order by f) f, ntile(5) over (order by m) m FROM cust) s',
    'WITH g AS (SELECT gm.rfm_breaks(r, f, m) AS br FROM cust) SELECT count(DISTINCT gm.rfm_score(c.r, c.f, c.m, g.br)) FROM cust c, g',
    4, 'speedup', 3, 'ntile(5) x 3');
-- the cut points alone against percentile_disc (same answer, checked above), both in one process:
-- an ordered-set aggregate never runs in parallel workers, so this compares the algorithms (on a
-- busy 2-core machine parallel workers cost more than they bring; the query above uses them)
SET max_parallel_workers_per_gather = 0;
SELECT bench.compare('RFM cut points, 1M customers, serial (vs percentile_disc)',
    'SELECT percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY r), percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY f), percentile_disc(array[0.2,0.4,0.6,0.8]) WITHIN GROUP (ORDER BY m) FROM cust',
    'SELECT gm.rfm_breaks(r, f, m) FROM cust',
    4, 'speedup', 3, 'percentile_disc x 3');
RESET max_parallel_workers_per_gather;
DROP TABLE cust;
