/*
 * sla.c — the on-time rate aggregate gm.on_time_rate(due, done [, as_of]) (跟进及时率).
 *
 * State: int8[2] = {counted, on_time}.  An item with a due time counts when it is
 * done (on time when done <= due) or when it is still open and already past due
 * at the as-of instant (late).  Items still open and not yet due are not counted.
 * The two-argument form takes the transaction start as the as-of instant
 * (STABLE: one answer per transaction, also in parallel workers); the
 * three-argument form takes it explicitly (IMMUTABLE).
 */
#include "counts.h"

#include "access/xact.h"
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
