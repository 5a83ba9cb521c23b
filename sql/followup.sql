-- follow-up work orders: states, routing, deadlines on the business calendar, escalation
BEGIN;
SET LOCAL timezone = 'Asia/Shanghai';
SET LOCAL datestyle = 'ISO, YMD';
INSERT INTO gm.grid(grid_id, code, name, parent_id, kind) VALUES
    (8801, 'FU-R', 'follow-up region', NULL, 'logical'),
    (8802, 'FU-G', 'follow-up grid', 8801, 'logical'),
    (8803, 'FU-E', 'empty grid', 8801, 'logical');
INSERT INTO gm.grid_member(grid_id, role_name, duty, valid_from, valid_to) VALUES
    (8801, 'fu_region_mgr', 'manager', '-infinity', 'infinity'),
    (8802, 'fu_mgr', 'manager', '-infinity', 'infinity'),
    (8802, 'fu_mkt_old', 'marketer', '-infinity', '2026-10-01'),
    (8802, 'fu_mkt_new', 'marketer', '2026-10-01', 'infinity');
-- the transition table
SELECT from_state, string_agg(to_state::text, ', ' ORDER BY to_state) AS may_go_to
FROM gm.followup_transition GROUP BY from_state ORDER BY from_state;
-- routing: by duty and membership period, manager fallback, unrouted
SELECT gm.open_followup('fu-1', 8802, 'visit', 'standard', '2026-09-28 10:00+08') AS visit_sept,
       gm.open_followup('fu-1', 8802, 'visit', 'standard', '2026-10-09 10:00+08') AS visit_oct,
       gm.open_followup('fu-2', 8802, 'complaint', 'standard', '2026-09-30 10:00+08') AS complaint,
       gm.open_followup('fu-3', 8802, 'install', 'gold', '2026-09-30 10:00+08') AS install,
       gm.open_followup('fu-4', 8803, 'visit', 'standard', '2026-09-30 10:00+08') AS nobody \gset
SELECT f.followup_id - :visit_sept AS n, f.customer_key, f.event, f.state, f.assignee, f.assignee_duty
FROM gm.followup f WHERE f.customer_key LIKE 'fu-%' ORDER BY f.followup_id;
SELECT customer_key, event, state, reason FROM gm.followup_unrouted WHERE customer_key LIKE 'fu-%';
-- due times on the cn calendar (1-7 October 2026 off, 10 October a make-up working day)
SELECT s.customer_key, s.event, s.sla_event, s.due, s.warn_fraction, s.escalation_step
FROM gm.followup_status s WHERE s.customer_key LIKE 'fu-%' ORDER BY s.followup_id;
-- light and escalation of the complaint answered at different times
SAVEPOINT a;
SELECT gm.respond(:complaint, 'called', '2026-10-08 10:00+08');
SELECT light, escalation_level FROM gm.followup_status WHERE followup_id = :complaint;
ROLLBACK TO a;
SELECT gm.respond(:complaint, 'called', '2026-10-09 18:00+08');
SELECT light, escalation_level FROM gm.followup_status WHERE followup_id = :complaint;
ROLLBACK TO a;
SELECT gm.respond(:complaint, 'called', '2026-10-11 18:00+08');
SELECT light, escalation_level FROM gm.followup_status WHERE followup_id = :complaint;
ROLLBACK TO a;
SELECT gm.respond(:complaint, 'called', '2026-10-13 18:00+08');
SELECT light, escalation_level FROM gm.followup_status WHERE followup_id = :complaint;
ROLLBACK TO a;
SELECT level, gm.followup_escalation_target(8802, level, '2026-10-12') AS escalates_to FROM generate_series(0, 3) level;
-- the complaint through its life, its call-back, the history
SELECT gm.respond(:complaint, 'called', '2026-10-08 10:00+08'),
       gm.resolve(:complaint, 'refund', NULL, '2026-10-08 16:00+08'),
       gm.verify(:complaint, 4, NULL, '2026-10-09 10:00+08'),
       gm.close(:complaint, NULL, '2026-10-09 11:00+08');
SELECT event, state, opened_at, assignee FROM gm.followup WHERE parent_id = :complaint;
SELECT from_state, to_state, at, assignee, note FROM gm.followup_history WHERE followup_id = :complaint ORDER BY history_id;
-- refused transitions and bad input (ids count from 1 in the fresh regression database)
\set VERBOSITY terse
SAVEPOINT e;
SELECT gm.respond(:complaint);
ROLLBACK TO e;
SELECT gm.close(:install);
ROLLBACK TO e;
SELECT gm.open_followup(NULL, 8802, 'visit');
ROLLBACK TO e;
SELECT gm.open_followup('fu-9', 8802, 'party');
ROLLBACK TO e;
SELECT gm.open_followup('fu-9', 8802, 'visit', 'platinum');
ROLLBACK TO e;
SELECT gm.respond(999999);
ROLLBACK TO e;
SELECT gm.escalation_level(now(), now(), '0 hours');
ROLLBACK TO e;
\set VERBOSITY default
ROLLBACK;
