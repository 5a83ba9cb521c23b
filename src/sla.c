/*
 * sla.c — follow-up deadlines (跟进时限): the traffic light of an order against
 * its deadline, the escalation ladder, and the on-time rate aggregate
 * gm.on_time_rate(due, done [, as_of]) (跟进及时率).
 *
 * The escalation level is a pure function of (due, at, step), so it is
 * IMMUTABLE and can ship to postgres_fdw shards; the step is elapsed time
 * (a day of an interval counts 24 h, a month 30 days), independent of the
 * session's time zone.
 *
 * On-time rate
 *
 * State: int8[2] = {counted, on_time}.  An item with a due time counts when it is
 * done (on time when done <= due) or when it is still open and already past due
 * at the as-of instant (late).  Items still open and not yet due are not counted.
 * The two-argument form takes the transaction start as the as-of instant
 * (STABLE: one answer per transaction, also in parallel workers); the
 * three-argument form takes it explicitly (IMMUTABLE).
 */
#include "counts.h"
#include "sla.h"

#include "access/xact.h"
#include "common/int.h"
#include "datatype/timestamp.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/timestamp.h"

#define ON_TIME_SLOTS 2

static Datum
accum(FunctionCallInfo fcinfo, TimestampTz as_of)
{
	ArrayType  *st;
	int64	   *v;
	TimestampTz due,
				done;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("on-time rate state must not be NULL")));
	st = gm_counts_arg(fcinfo, 0, ON_TIME_SLOTS, "gm.on_time_rate");
	v = GM_COUNTS(st);
	if (PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(st);	/* no deadline: not measured */
	due = PG_GETARG_TIMESTAMPTZ(1);
	if (!PG_ARGISNULL(2))
	{
		done = PG_GETARG_TIMESTAMPTZ(2);
		v[0]++;
		if (done <= due)
			v[1]++;
	}
	else if (due < as_of)
		v[0]++;					/* open and overdue: late */
	PG_RETURN_ARRAYTYPE_P(st);
}

PG_FUNCTION_INFO_V1(gm_on_time_accum);
Datum
gm_on_time_accum(PG_FUNCTION_ARGS)
{
	return accum(fcinfo, GetCurrentTransactionStartTimestamp());
}

PG_FUNCTION_INFO_V1(gm_on_time_accum_asof);
Datum
gm_on_time_accum_asof(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the as-of instant of gm.on_time_rate must not be NULL")));
	return accum(fcinfo, PG_GETARG_TIMESTAMPTZ(3));
}

PG_FUNCTION_INFO_V1(gm_on_time_combine);
Datum
gm_on_time_combine(PG_FUNCTION_ARGS)
{
	return gm_counts_combine(fcinfo, ON_TIME_SLOTS, "gm.on_time_rate");
}

PG_FUNCTION_INFO_V1(gm_on_time_final);
Datum
gm_on_time_final(PG_FUNCTION_ARGS)
{
	const int64 *v = gm_counts_ro(fcinfo, ON_TIME_SLOTS, "gm.on_time_rate");

	if (v[0] == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) v[1] / (double) v[0]);
}

/* ----------------------------------------------------------- escalation and light */

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

/* the escalation level with gm.escalation_level's checks of its step and top (sla.h) */
int32
gm_escalation_level_checked(TimestampTz due, TimestampTz at, const Interval *step, int32 top)
{
	int64		step_us = interval_elapsed_us(step);

	if (step_us <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("escalation step must be positive, not %s",
						DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(step))))));
	if (top < 0 || top > 100)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("top escalation level must be between 0 and 100, not %d", top)));
	if (TIMESTAMP_NOT_FINITE(due))
		return TIMESTAMP_IS_NOBEGIN(due) && !TIMESTAMP_IS_NOBEGIN(at) ? top : 0;
	if (TIMESTAMP_NOT_FINITE(at))
		return TIMESTAMP_IS_NOEND(at) ? top : 0;
	return gm_followup_escalation(due, at, step_us, top);
}

/*
 * gm.escalation_level(due timestamptz, at timestamptz, step interval,
 *                     top integer DEFAULT 3) RETURNS integer
 */
PG_FUNCTION_INFO_V1(gm_escalation_level);
Datum
gm_escalation_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(gm_escalation_level_checked(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1),
											 PG_GETARG_INTERVAL_P(2), PG_GETARG_INT32(3)));
}

/*
 * The light (sla.h): 0 green, 1 yellow, 2 red.  Red when done_or_now is past due;
 * yellow when it is at due, when due is not after started, or once warn (a
 * fraction) of the allowed time is used; else green.
 */
int
gm_light_of(TimestampTz started, TimestampTz due, TimestampTz done, double warn)
{
	int64		used,
				allowed;
	double		u,
				a;

	if (done > due)
		return 2;
	if (done >= due || due <= started)
		return 1;
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
	return (u >= warn * a) ? 1 : 0;
}

/* the gm.light value of a light (sla.h), its enum oids looked up once per call site (fn_extra) */
Datum
gm_light_datum(FunctionCallInfo fcinfo, Oid **slot, int light)
{
	Oid		   *oids = *slot;

	if (oids == NULL)
	{
		Oid			enumtype = get_fn_expr_rettype(fcinfo->flinfo);
		int			i;
		static const char *const labels[3] = {"green", "yellow", "red"};

		if (!OidIsValid(enumtype))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("could not determine the result type of the follow-up light")));
		oids = (Oid *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, 3 * sizeof(Oid));
		for (i = 0; i < 3; i++)
			oids[i] = DatumGetObjectId(DirectFunctionCall2(enum_in, CStringGetDatum(labels[i]),
														   ObjectIdGetDatum(enumtype)));
		*slot = oids;
	}
	return ObjectIdGetDatum(oids[light]);
}

/*
 * gm._followup_light(started timestamptz, due timestamptz, done_or_now timestamptz,
 *                    warn_fraction float8) RETURNS gm.light
 * The light of gm.followup_light (light_of above): NULL when a time is NULL;
 * warn_fraction NULL counts as 0.75.
 */
PG_FUNCTION_INFO_V1(gm_followup_light_c);
Datum
gm_followup_light_c(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(gm_light_datum(fcinfo, (Oid **) &fcinfo->flinfo->fn_extra,
								gm_light_of(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1),
										 PG_GETARG_TIMESTAMPTZ(2),
										 PG_ARGISNULL(3) ? 0.75 : PG_GETARG_FLOAT8(3))));
}
