/*
 * followup.h — follow-up work orders (跟进工单): the state machine, shared by
 * followup.c and any domain that wants it.
 */
#ifndef GM_FOLLOWUP_H
#define GM_FOLLOWUP_H

#include "gm.h"

/* order of the labels of the SQL enum gm.followup_state */
typedef enum GmFollowupState
{
	GM_FU_NEW = 0,
	GM_FU_DISPATCHED,
	GM_FU_RESPONDED,
	GM_FU_RESOLVED,
	GM_FU_VERIFIED,
	GM_FU_CLOSED,
	GM_FU_CANCELLED,
	GM_FU_REOPENED,
	GM_FU_NSTATES
} GmFollowupState;

/* label -> state; -1 when the label is no state */
extern int	gm_followup_state_from_label(const char *label);
extern const char *gm_followup_state_label(int state);

/* may an order go from one state to the other? */
extern bool gm_followup_transition_allowed(int from, int to);

#endif							/* GM_FOLLOWUP_H */
