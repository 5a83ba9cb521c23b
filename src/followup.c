/*
 * followup.c — follow-up work orders (跟进工单): the state-transition table
 * and the escalation ladder.
 *
 * The transition table is the one place that says which state change is
 * allowed; every SQL function that changes an order (gm.dispatch, gm.respond,
 * ...) asks gm._followup_check_transition() under the order's row lock, and the
 * view gm.followup_transition lists the same table for people and tests.
 *
 * The escalation level is a pure function of (due, at, step), so it is
 * IMMUTABLE and can ship to postgres_fdw shards; the step is elapsed time
 * (a day of an interval counts 24 h, a month 30 days), independent of the
 * session's time zone.
 */
#include "gm.h"
#include "followup.h"

#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "common/int.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

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

int
gm_followup_escalation(int64 due, int64 at, int64 step_us, int top)
{
	int64		late;
	int64		steps;

	if (at <= due || top <= 0)
		return 0;
	if (pg_sub_s64_overflow(at, due, &late))
		return top;				/* beyond any number of steps */
	steps = late / step_us;		/* full steps overdue */
	if (steps >= (int64) top - 1)
		return top;
	return (int) steps + 1;
}

/* an interval as elapsed microseconds: a day is 24 h, a month 30 days */
static int64
interval_elapsed_us(const Interval *iv)
{
	return iv->time + (int64) iv->day * USECS_PER_DAY
		+ (int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;
}

/*
 * gm.escalation_level(due timestamptz, at timestamptz, step interval,
 *                     top integer DEFAULT 3) RETURNS integer
 */
PG_FUNCTION_INFO_V1(gm_escalation_level);
Datum
gm_escalation_level(PG_FUNCTION_ARGS)
{
	TimestampTz due = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
	Interval   *step = PG_GETARG_INTERVAL_P(2);
	int32		top = PG_GETARG_INT32(3);
	int64		step_us = interval_elapsed_us(step);

	if (step_us <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("escalation step must be positive, not %s",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(step))))));
	if (top < 0 || top > 100)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("top escalation level must be between 0 and 100, not %d", top)));
	if (TIMESTAMP_NOT_FINITE(due))
		PG_RETURN_INT32(TIMESTAMP_IS_NOBEGIN(due) && !TIMESTAMP_IS_NOBEGIN(at) ? top : 0);
	if (TIMESTAMP_NOT_FINITE(at))
		PG_RETURN_INT32(TIMESTAMP_IS_NOEND(at) ? top : 0);
	PG_RETURN_INT32(gm_followup_escalation(due, at, step_us, top));
}

/*
 * gm._followup_light(started timestamptz, due timestamptz, done_or_now timestamptz,
 *                    warn_fraction float8) RETURNS gm.light
 * The light of gm.followup_light (calendar section) as a C function, so that the status view
 * computes it with one call per row: NULL when a time is NULL; red when done_or_now is past
 * due; yellow when it is at due, when due is not after started, or once warn_fraction
 * (NULL: 0.75) of the allowed time is used; else green.  The label's enum value is looked
 * up once per call site (fn_extra).
 */
PG_FUNCTION_INFO_V1(gm_followup_light_c);
Datum
gm_followup_light_c(PG_FUNCTION_ARGS)
{
	TimestampTz started,
				due,
				done;
	double		warn = 0.75;
	const char *label;
	Oid		   *oids = (Oid *) fcinfo->flinfo->fn_extra;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	started = PG_GETARG_TIMESTAMPTZ(0);
	due = PG_GETARG_TIMESTAMPTZ(1);
	done = PG_GETARG_TIMESTAMPTZ(2);
	if (!PG_ARGISNULL(3))
		warn = PG_GETARG_FLOAT8(3);

	if (done > due)
		label = "red";
	else if (done >= due || due <= started)
		label = "yellow";
	else
	{
		int64		used,
					allowed;
		double		u,
					a;

		/* exact differences when they fit (they do for any real dates) */
		if (pg_sub_s64_overflow(done, started, &used) || pg_sub_s64_overflow(due, started, &allowed))
		{
			u = (double) done - (double) started;
			a = (double) due - (double) started;
		}
		else
		{
			u = (double) used;
			a = (double) allowed;
		}
		label = (u >= warn * a) ? "yellow" : "green";
	}

	if (oids == NULL)
	{
		Oid			enumtype = get_fn_expr_rettype(fcinfo->flinfo);
		int			i;
		static const char *const labels[3] = {"green", "yellow", "red"};

		if (!OidIsValid(enumtype))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("could not determine the result type of gm._followup_light")));
		oids = (Oid *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, 3 * sizeof(Oid));
		for (i = 0; i < 3; i++)
		{
			Datum		d = DirectFunctionCall2(enum_in, CStringGetDatum(labels[i]),
												ObjectIdGetDatum(enumtype));

			oids[i] = DatumGetObjectId(d);
		}
		fcinfo->flinfo->fn_extra = oids;
	}
	PG_RETURN_OID(label[0] == 'g' ? oids[0] : label[0] == 'y' ? oids[1] : oids[2]);
}
