/*
 * counts.h — the int8[] counter state shared by the counting aggregates
 * (gm.nps, gm.csat, gm.rate, gm.funnel in kpi.c; gm.on_time_rate in sla.c).
 *
 * A fixed-size, non-internal state needs no serial/deserial functions and
 * ships whole to postgres_fdw shards.  Transition and combine functions update
 * it in place when called as aggregate support functions (the executor's own
 * copy in the aggregate context, as int4_avg_accum relies on), otherwise they
 * work on a copy.
 */
#ifndef GM_COUNTS_H
#define GM_COUNTS_H

#include "gm.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "nodes/execnodes.h"
#include "utils/array.h"

/* the counters of a checked 1-D int8[] without NULLs (ARR_DATA_PTR without its sign-compare warning) */
#define GM_COUNTS(a) ((int64 *) ((char *) (a) + ARR_OVERHEAD_NONULLS(1)))


/*
 * The int8[] counter state of a counting aggregate, checked to have `slots`
 * elements and no NULLs.  In aggregate context the array itself is returned
 * (to be modified in place), otherwise a copy.
 */
static inline ArrayType *
gm_counts_arg(FunctionCallInfo fcinfo, int argno, int slots, const char *agg)
{
	ArrayType  *a;
	Datum		d = PG_GETARG_DATUM(argno);

	/*
	 * As a transition or combine function of an aggregate (or window
	 * aggregate) the state is the executor's own copy in the aggregate
	 * context, never toasted: update it in place (the test is what
	 * AggCheckCallContext does, inlined for the per-row path).
	 */
	if (fcinfo->context &&
		(IsA(fcinfo->context, AggState) || IsA(fcinfo->context, WindowAggState)) &&
		!VARATT_IS_EXTENDED(DatumGetPointer(d)))
		a = (ArrayType *) DatumGetPointer(d);
	else
		a = PG_GETARG_ARRAYTYPE_P_COPY(argno);

	if (ARR_HASNULL(a) || ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != INT8OID ||
		ARR_SIZE(a) != ARR_OVERHEAD_NONULLS(1) + slots * (int) sizeof(int64))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for aggregate %s: expected int8[%d] without NULLs",
						agg, slots)));
	return a;
}

/* read-only view of a counter state (final functions) */
static inline const int64 *
gm_counts_ro(FunctionCallInfo fcinfo, int slots, const char *agg)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);

	if (ARR_HASNULL(a) || ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != INT8OID ||
		ARR_SIZE(a) != ARR_OVERHEAD_NONULLS(1) + slots * (int) sizeof(int64))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for aggregate %s: expected int8[%d] without NULLs",
						agg, slots)));
	return GM_COUNTS(a);
}

static inline int64
gm_count_add(int64 a, int64 b)
{
	int64		r;

	if (pg_add_s64_overflow(a, b, &r))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("aggregate counter out of range")));
	return r;
}

/* combine two counter states of the same aggregate: state1 += state2 */
static inline Datum
gm_counts_combine(FunctionCallInfo fcinfo, int slots, const char *agg)
{
	ArrayType  *a = gm_counts_arg(fcinfo, 0, slots, agg);
	ArrayType  *b = gm_counts_arg(fcinfo, 1, slots, agg);
	int64	   *x = GM_COUNTS(a);
	const int64 *y = GM_COUNTS(b);

	for (int i = 0; i < slots; i++)
		x[i] = gm_count_add(x[i], y[i]);
	PG_RETURN_ARRAYTYPE_P(a);
}

#endif							/* GM_COUNTS_H */
