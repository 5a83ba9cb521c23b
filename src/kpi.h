/*
 * kpi.h — KPI aggregates (kpi.c) and the map aggregate (map.c): what both share.
 *
 * The counting aggregates keep a fixed-size int8[] state (no `internal`
 * state, so no serial/deserial functions are needed and postgres_fdw can ship
 * them whole); the transition functions update that array in place when they
 * are called as aggregate transitions, like PostgreSQL's int4_avg_accum.
 */
#ifndef GM_KPI_H
#define GM_KPI_H

#include "gm.h"

/* slots of the gm.nps state */
#define GM_NPS_N			0
#define GM_NPS_PROMOTERS	1
#define GM_NPS_DETRACTORS	2
#define GM_NPS_SLOTS		3

/* slots of the gm.csat state */
#define GM_CSAT_N			0
#define GM_CSAT_TOP2		1
#define GM_CSAT_SUM			2
#define GM_CSAT_SCALE		3
#define GM_CSAT_SLOTS		4

/* gm.rate */
#define GM_RATE_N			0
#define GM_RATE_TRUE		1
#define GM_RATE_SLOTS		2

/* gm.funnel: rows that reached stage 1 (lead), 2 (opportunity), 3 (deal) */
#define GM_FUNNEL_STAGES	3

#endif							/* GM_KPI_H */
