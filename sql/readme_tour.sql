-- the one-screen tour of README.md, statement by statement (so the README never lies)
BEGIN;
INSERT INTO gm.grid(code, name, geom) VALUES ('TOUR-R1', 'West region', ST_Multi(ST_MakeEnvelope(0, 0, 20, 10)));
INSERT INTO gm.grid(code, name, parent_id, geom)
SELECT c, 'grid ' || c, (SELECT grid_id FROM gm.grid WHERE code = 'TOUR-R1'), ST_Multi(ST_MakeEnvelope(x, 0, x + 10, 10))
FROM (VALUES ('TOUR-A', 0), ('TOUR-B', 10)) v(c, x);
INSERT INTO gm.grid_member(grid_id, role_name, duty) SELECT grid_id, 'alice', 'manager' FROM gm.grid WHERE code = 'TOUR-A';
SELECT code FROM gm.grid WHERE grid_id = gm.assign_grid(ST_MakePoint(10, 5));
SELECT c.problem, g.code FROM gm.grid_check() c JOIN gm.grid g USING (grid_id) ORDER BY 1, 2;
SELECT gm.add_working_days('2026-02-13', 3, 'cn') AS official_cn,
       gm.add_working_days('2026-02-13', 3, gm.calendar('cn')) AS same_by_value;
SELECT day, is_workday, holiday, holiday_en FROM gm.day_info('2026-02-14', 'cn');
SET LOCAL TimeZone = 'Asia/Shanghai';
SELECT gm.followup_due('proposal', '2026-02-13 16:00+08', 'standard', 'cn');
SELECT gm.rfm_score(3, 12, 800, gm.rfm_breaks(r, f, m)), gm.rfm_segment('545')
FROM (VALUES (1, 20, 900), (10, 10, 500), (30, 5, 200), (60, 2, 100), (90, 1, 50)) v(r, f, m);
SELECT gm.nps(s), gm.csat(c) FROM unnest('{10,9,8,7,3}'::int[], '{5,4,4,2,1}'::int[]) t(s, c);
SELECT gm.split_target(1000, '{1,1,1}'), gm.deviation_light(80, 100);
SELECT gm.mask_phone('+86 138-1234-5678'), gm.mask_name('欧阳娜娜');
ROLLBACK;
