/*
 * sla.h — follow-up deadlines (sla.c): the escalation ladder, shared by any
 * domain that rates an order against its deadline.
 */
#ifndef GM_SLA_H
#define GM_SLA_H

#include "gm.h"
#include "datatype/timestamp.h"

/*
 * Escalation level of an order due at `due`, looked at (or answered) at `at`,
 * with an escalation step of `step_us` microseconds, capped at `top`:
 * 0 when at <= due, 1 when overdue by less than one step, 2 when overdue by
 * at least one step, 3 by at least two steps, ...
 */
extern int	gm_followup_escalation(int64 due, int64 at, int64 step_us, int top);

/*
 * The light of an order started at `started`, due at `due`, looked at (or
 * answered) at `done`, warned once `warn` of its time is used: 0 green,
 * 1 yellow, 2 red; and as a gm.light datum of the calling function's result
 * type, its enum oids kept in *slot (memory of the call site).
 */
extern int	gm_light_of(TimestampTz started, TimestampTz due, TimestampTz done, double warn);
extern Datum gm_light_datum(FunctionCallInfo fcinfo, Oid **slot, int light);

/* gm.escalation_level(due, at, step, top) with its checks (22023 for a bad step or top) */
extern int32 gm_escalation_level_checked(TimestampTz due, TimestampTz at, const Interval *step, int32 top);

#endif							/* GM_SLA_H */
