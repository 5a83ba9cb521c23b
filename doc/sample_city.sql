-- The sample city: a deterministic, synthetic city of ~50,000 customers used by the demo
-- (doc/demo.sql) and by every capability's demo step.  Loads in a few seconds.
--
--   3 regions (片区) side by side, each cut into ~20 grids (网格) by Voronoi cells, as real
--   MultiPolygons in WGS 84 (SRID 4326, around lon 120.0-120.3, lat 30.15-30.35);
--   customers with locations (dense centres, sparse edges), industries, market types,
--   individual / group segments, valid ID numbers, phones; orders, interactions, complaints,
--   survey scores, leads through the funnel, contracts, grid teams and 2026 targets.
--
-- Everything lives in schema "city"; the grids and teams are also loaded into gm.grid and
-- gm.grid_member.  Re-running it replaces the city.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS city CASCADE;
CREATE SCHEMA city;
SELECT setseed(0.2026);

-- regions and grids --------------------------------------------------------------------------
CREATE TABLE city.area (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('region', 'grid')),
    parent_code text REFERENCES city.area(code),
    market_type text,
    geom        geometry(MultiPolygon, 4326) NOT NULL
);
INSERT INTO city.area(code, name, level, geom)
SELECT 'R' || r, (ARRAY['西湖片区', '拱墅片区', '滨江片区'])[r], 'region',
       ST_Multi(ST_MakeEnvelope(120.0 + (r - 1) * 0.1, 30.15, 120.0 + r * 0.1, 30.35, 4326))
FROM generate_series(1, 3) r;

WITH seeds AS (
    SELECT a.code, a.geom, r, ST_SetSRID(ST_MakePoint(ST_XMin(a.geom) + random() * 0.1, 30.15 + random() * 0.2), 4326) AS pt
    FROM city.area a, generate_series(1, 20) r
    WHERE a.level = 'region'
    ORDER BY a.code, r
), cells AS (
    SELECT s.code, s.geom AS region, (ST_Dump(ST_VoronoiPolygons(ST_Collect(s.pt), 0, s.geom))).geom AS cell
    FROM seeds s GROUP BY s.code, s.geom
), numbered AS (
    SELECT code, ST_Multi(ST_CollectionExtract(ST_Intersection(cell, region), 3)) AS geom,
           row_number() OVER (PARTITION BY code ORDER BY ST_Y(ST_Centroid(cell)), ST_X(ST_Centroid(cell))) AS n
    FROM cells
)
INSERT INTO city.area(code, name, level, parent_code, market_type, geom)
SELECT code || '-G' || lpad(n::text, 2, '0'), code || ' 网格 ' || n, 'grid', code,
       (ARRAY['商务楼宇', '产业园区', '临街店铺', '家庭社区'])[1 + (n % 4)], ST_SetSRID(geom, 4326)
FROM numbered WHERE NOT ST_IsEmpty(geom)
ORDER BY code, n;

-- grid teams: a manager per region and per grid, marketers and an installer per grid ------------
CREATE TABLE city.staff (
    role_name  text NOT NULL,
    area_code  text NOT NULL REFERENCES city.area(code),
    duty       text NOT NULL,
    valid_from date NOT NULL
);
INSERT INTO city.staff
SELECT 'mgr_' || lower(replace(code, '-', '_')), code, 'manager', '2025-01-01' FROM city.area;
INSERT INTO city.staff
SELECT 'mkt_' || lower(replace(code, '-', '_')) || '_' || k, code, 'marketer', '2025-01-01'
FROM city.area, generate_series(1, 2) k WHERE level = 'grid';
INSERT INTO city.staff
SELECT 'inst_' || lower(code), code, 'installer', '2025-01-01' FROM city.area WHERE level = 'region';

-- customers -------------------------------------------------------------------------------------
CREATE TABLE city.customer (
    customer_id  integer PRIMARY KEY,
    name         text NOT NULL,
    phone        text NOT NULL,
    id_no        text NOT NULL,
    address      text NOT NULL,
    geom         geometry(Point, 4326) NOT NULL,
    industry     text NOT NULL,
    market_type  text NOT NULL,
    segment      text NOT NULL CHECK (segment IN ('individual', 'group')),
    group_class  text CHECK (group_class IN ('A', 'B', 'C', 'D')),
    joined_on    date NOT NULL,
    contract_end date,
    monthly_fee  numeric(10, 2) NOT NULL
);
WITH hot(hx, hy, spread) AS (VALUES (120.06, 30.25, 0.015), (120.15, 30.22, 0.02), (120.24, 30.28, 0.015),
                                    (120.12, 30.30, 0.01), (120.20, 30.18, 0.012)),
raw AS (
    SELECT i, random() AS u, (1 + floor(random() * 5))::int AS h, random() AS a, random() AS b, random() AS c,
           random() AS d, random() AS e, random() AS f, random() AS g
    FROM generate_series(1, 50000) i
), pos AS (
    SELECT raw.*,
           CASE WHEN u < 0.6 THEN (SELECT hx FROM hot LIMIT 1 OFFSET h - 1) + (a + b + c - 1.5) * (SELECT spread FROM hot LIMIT 1 OFFSET h - 1) * 2
                ELSE 120.0 + a * 0.3 END AS x,
           CASE WHEN u < 0.6 THEN (SELECT hy FROM hot LIMIT 1 OFFSET h - 1) + (d + e + b - 1.5) * (SELECT spread FROM hot LIMIT 1 OFFSET h - 1) * 2
                ELSE 30.15 + d * 0.2 END AS y
    FROM raw
), idn AS (
    SELECT pos.*, '330106' || to_char(date '1960-01-01' + (f * 15000)::int, 'YYYYMMDD') || lpad((i % 1000)::text, 3, '0') AS id17
    FROM pos
)
INSERT INTO city.customer
SELECT i,
       (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','欧阳','司马','上官','诸葛'])[1 + (i * 7 % 14)] ||
       (ARRAY['伟','芳','娜','敏','静','强','磊','洋','艳','勇','军','杰','娟','涛','明'])[1 + (i * 13 % 15)] ||
       CASE WHEN i % 3 = 0 THEN (ARRAY['华','平','刚','丽','霞'])[1 + i % 5] ELSE '' END,
       '1' || (3 + (i % 7)) || lpad(((i::bigint * 7919 + 12345) % 1000000000)::text, 9, '0'),
       id17 || (ARRAY['1','0','X','9','8','7','6','5','4','3','2'])[1 + (
           (SELECT sum(substr(id17, k, 1)::int * (ARRAY[7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2])[k]) FROM generate_series(1, 17) k) % 11)::int],
       '浙江省杭州市' || (ARRAY['西湖区','拱墅区','滨江区'])[1 + least(2, floor((greatest(120.0, least(120.2999, x)) - 120.0) / 0.1))::int]
           || (ARRAY['文三路','莫干山路','江南大道','天目山路','建国路'])[1 + i % 5] || (1 + i % 300) || '号',
       ST_SetSRID(ST_MakePoint(greatest(120.0001, least(120.2999, x)), greatest(30.1501, least(30.3499, y))), 4326),
       (ARRAY['retail','manufacturing','education','healthcare','finance','government','logistics','hospitality','it'])[1 + floor(g * 9)::int],
       (ARRAY['商务楼宇','产业园区','临街店铺','家庭社区','家庭社区'])[1 + floor(c * 5)::int],
       CASE WHEN e < 0.15 THEN 'group' ELSE 'individual' END,
       CASE WHEN e < 0.15 THEN (ARRAY['A','B','C','D'])[1 + floor(e / 0.15 * 4)::int] END,
       date '2019-01-01' + floor(b * 2870)::int,
       CASE WHEN a < 0.7 THEN date '2026-11-01' + floor(a * 420)::int END,
       round((19 + g * 280)::numeric, 2)
FROM idn;
CREATE INDEX ON city.customer USING gist (geom);

-- activity ---------------------------------------------------------------------------------------
CREATE TABLE city.orders (order_id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES city.customer,
                          ordered_on date NOT NULL, amount numeric(12, 2) NOT NULL);
INSERT INTO city.orders(customer_id, ordered_on, amount)
SELECT c.customer_id, date '2026-11-20' - floor(random() * 700)::int, round((c.monthly_fee * (0.5 + random() * 3))::numeric, 2)
FROM city.customer c, generate_series(1, 8) k
WHERE k <= 1 + (c.customer_id * 31 % 8) AND random() < 0.7;

CREATE TABLE city.interaction (customer_id int NOT NULL REFERENCES city.customer, at timestamptz NOT NULL,
                               channel text NOT NULL);
INSERT INTO city.interaction
SELECT c.customer_id, timestamptz '2026-11-20 18:00+08' - (random() * 120) * interval '1 day',
       (ARRAY['visit','phone','wechat','store'])[1 + floor(random() * 4)::int]
FROM city.customer c, generate_series(1, 3) k WHERE random() < 0.8;

CREATE TABLE city.complaint (complaint_id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES city.customer,
                             opened_at timestamptz NOT NULL, responded_at timestamptz, closed_at timestamptz,
                             topic text NOT NULL);
INSERT INTO city.complaint(customer_id, opened_at, responded_at, closed_at, topic)
SELECT customer_id, o, CASE WHEN r < 0.9 THEN o + (r * 60) * interval '1 hour' END,
       CASE WHEN r < 0.7 THEN o + (2 + r * 200) * interval '1 hour' END,
       (ARRAY['billing','network','installation','service'])[1 + floor(r * 4)::int]
FROM (SELECT customer_id, timestamptz '2026-11-20 12:00+08' - (random() * 90) * interval '1 day' AS o, random() AS r
      FROM city.customer WHERE random() < 0.04) s;

CREATE TABLE city.survey (customer_id int NOT NULL REFERENCES city.customer, asked_on date NOT NULL,
                          nps_score int NOT NULL CHECK (nps_score BETWEEN 0 AND 10),
                          csat int NOT NULL CHECK (csat BETWEEN 1 AND 5));
INSERT INTO city.survey
SELECT customer_id, date '2026-11-20' - floor(random() * 300)::int,
       least(10, floor(4 + random() * 7.5)::int), least(5, 1 + floor(random() * 5.3)::int)
FROM city.customer WHERE random() < 0.4;

-- the funnel: 1 lead, 2 opportunity, 3 deal
CREATE TABLE city.lead (lead_id serial PRIMARY KEY, customer_id int NOT NULL REFERENCES city.customer,
                        created_at timestamptz NOT NULL, stage int NOT NULL CHECK (stage BETWEEN 1 AND 3),
                        first_contact_at timestamptz);
INSERT INTO city.lead(customer_id, created_at, stage, first_contact_at)
SELECT customer_id, t, CASE WHEN r < 0.05 THEN 3 WHEN r < 0.17 THEN 2 ELSE 1 END,
       CASE WHEN r < 0.9 THEN t + (r * 40) * interval '1 hour' END
FROM (SELECT customer_id, timestamptz '2026-11-20 10:00+08' - (random() * 60) * interval '1 day' AS t, random() AS r
      FROM city.customer WHERE random() < 0.2) s;

-- 2026 targets per region (new customers, revenue), split further by the KPI demo
CREATE TABLE city.target (area_code text NOT NULL REFERENCES city.area(code), year int NOT NULL,
                          metric text NOT NULL, value numeric NOT NULL, PRIMARY KEY (area_code, year, metric));
INSERT INTO city.target
SELECT code, 2026, 'revenue', (ARRAY[9000000, 7500000, 8200000])[substr(code, 2)::int] FROM city.area WHERE level = 'region'
UNION ALL
SELECT code, 2026, 'new_customers', (ARRAY[1200, 1000, 1100])[substr(code, 2)::int] FROM city.area WHERE level = 'region';

-- load the registry ---------------------------------------------------------------------------
INSERT INTO gm.grid(code, name, kind, grid_class, capacity, geom, attrs)
SELECT code, name, 'physical', NULL, NULL, geom, jsonb_build_object('level', level)
FROM city.area WHERE level = 'region' ORDER BY code;
INSERT INTO gm.grid(code, name, kind, parent_id, capacity, geom, attrs)
SELECT a.code, a.name, 'physical', g.grid_id, 300, a.geom, jsonb_build_object('level', a.level, 'market_type', a.market_type)
FROM city.area a JOIN gm.grid g ON g.code = a.parent_code
WHERE a.level = 'grid' ORDER BY a.code;
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from)
SELECT g.grid_id, s.role_name, s.duty, s.valid_from
FROM city.staff s JOIN gm.grid g ON g.code = s.area_code
ORDER BY g.grid_id, s.duty, s.role_name;

-- every customer's leaf grid by PostGIS (boundary included, smallest grid_id on shared edges);
-- the grids demo step shows gm.assign_grid giving the same answer, faster
ALTER TABLE city.customer ADD COLUMN grid_id bigint;
UPDATE city.customer c SET grid_id = (SELECT min(g.grid_id) FROM gm.grid g
                                      WHERE g.parent_id IS NOT NULL AND ST_Covers(g.geom, c.geom));
CREATE INDEX ON city.customer (grid_id);

ANALYZE;
RESET client_min_messages;
\echo sample city loaded
SELECT (SELECT count(*) FROM city.area WHERE level = 'region') AS regions,
       (SELECT count(*) FROM city.area WHERE level = 'grid') AS grids,
       (SELECT count(*) FROM city.customer) AS customers,
       (SELECT count(*) FROM city.orders) AS orders,
       (SELECT count(*) FROM city.interaction) AS interactions,
       (SELECT count(*) FROM city.complaint) AS complaints,
       (SELECT count(*) FROM city.survey) AS surveys,
       (SELECT count(*) FROM city.lead) AS leads;
