/*
 * followup.c — follow-up work orders (跟进工单): the state-transition table.
 *
 * The transition table is the one place that says which state change is
 * allowed; every SQL function that changes an order (gm.dispatch, gm.respond,
 * ...) asks gm._followup_check_transition() under the order's row lock, and the
 * view gm.followup_transition lists the same table for people and tests.
 *
 * Deadlines, lights and escalation of an order are the SLA's (sla.c).
 */
#include "gm.h"
#include "followup.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

static const char *const state_labels[GM_FU_NSTATES] = {
	"new", "dispatched", "responded", "resolved", "verified", "closed",
	"cancelled", "reopened"
};

/*
 * allowed[from][to].  The main line new -> dispatched -> responded ->
 * resolved -> verified -> closed; an order may be cancelled while it is not
 * yet closed; a resolved, verified, closed or cancelled order may be reopened;
 * a reopened order is dispatched again.
 */
#define N false
#define Y true
static const bool allowed[GM_FU_NSTATES][GM_FU_NSTATES] = {
	/* to:         new dispatched responded resolved verified closed cancelled reopened */
	/* new        */ {N, Y, N, N, N, N, Y, N},
	/* dispatched */ {N, N, Y, N, N, N, Y, N},
	/* responded  */ {N, N, N, Y, N, N, Y, N},
	/* resolved   */ {N, N, N, N, Y, N, Y, Y},
	/* verified   */ {N, N, N, N, N, Y, Y, Y},
	/* closed     */ {N, N, N, N, N, N, N, Y},
	/* cancelled  */ {N, N, N, N, N, N, N, Y},
	/* reopened   */ {N, Y, N, N, N, N, Y, N},
};
#undef N
#undef Y

int
gm_followup_state_from_label(const char *label)
{
	int			i;

	for (i = 0; i < GM_FU_NSTATES; i++)
		if (strcmp(label, state_labels[i]) == 0)
			return i;
	return -1;
}

const char *
gm_followup_state_label(int state)
{
	if (state < 0 || state >= GM_FU_NSTATES)
		return "?";
	return state_labels[state];
}

bool
gm_followup_transition_allowed(int from, int to)
{
	if (from < 0 || from >= GM_FU_NSTATES || to < 0 || to >= GM_FU_NSTATES)
		return false;
	return allowed[from][to];
}

/* the state of an argument of type gm.followup_state (an enum value) */
static int
state_arg(FunctionCallInfo fcinfo, int argno)
{
	Datum		d = PG_GETARG_DATUM(argno);
	char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, d));
	int			s = gm_followup_state_from_label(label);

	if (s < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("\"%s\" is not a follow-up state", label)));
	return s;
}

PG_FUNCTION_INFO_V1(gm_followup_transition_allowed_sql);
Datum
gm_followup_transition_allowed_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(gm_followup_transition_allowed(state_arg(fcinfo, 0), state_arg(fcinfo, 1)));
}

/*
 * gm._followup_check_transition(followup_id bigint, from gm.followup_state,
 *                               to gm.followup_state) RETURNS gm.followup_state
 * Returns `to` when allowed, else raises 55000 naming the order and both states.
 */
PG_FUNCTION_INFO_V1(gm_followup_check_transition);
Datum
gm_followup_check_transition(PG_FUNCTION_ARGS)
{
	int64		id;
	int			from,
				to;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("follow-up states must not be NULL")));
	id = PG_ARGISNULL(0) ? 0 : PG_GETARG_INT64(0);
	from = state_arg(fcinfo, 1);
	to = state_arg(fcinfo, 2);
	if (!gm_followup_transition_allowed(from, to))
	{
		StringInfoData buf;
		int			i;

		initStringInfo(&buf);
		for (i = 0; i < GM_FU_NSTATES; i++)
			if (allowed[from][i])
				appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", state_labels[i]);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("follow-up %lld cannot go from state \"%s\" to \"%s\"",
						(long long) id, state_labels[from], state_labels[to]),
				 buf.len > 0
				 ? errdetail("From \"%s\" it may go to: %s.", state_labels[from], buf.data)
				 : errdetail("\"%s\" is final.", state_labels[from])));
	}
	PG_RETURN_DATUM(PG_GETARG_DATUM(2));
}
