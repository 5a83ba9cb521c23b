/*
 * sla.h — follow-up deadlines (sla.c): the escalation ladder, shared by any
 * domain that rates an order against its deadline.
 */
#ifndef GM_SLA_H
#define GM_SLA_H

#include "gm.h"

/*
 * Escalation level of an order due at `due`, looked at (or answered) at `at`,
 * with an escalation step of `step_us` microseconds, capped at `top`:
 * 0 when at <= due, 1 when overdue by less than one step, 2 when overdue by
 * at least one step, 3 by at least two steps, ...
 */
extern int	gm_followup_escalation(int64 due, int64 at, int64 step_us, int top);

#endif							/* GM_SLA_H */
