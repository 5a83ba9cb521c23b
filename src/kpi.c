/*
 * kpi.c — exact, parallel KPI aggregates: gm.nps, gm.csat, gm.rate, gm.funnel,
 * gm.cac, gm.roi.
 *
 * Counting aggregates (nps, csat, rate, funnel) keep an int8[] of counters.
 * Their transition and combine functions modify that array in place when they
 * run as aggregate support functions (the executor gave us a private copy in
 * the aggregate's memory context, as int4_avg_accum relies on), so a row
 * costs a range check and a few additions: no allocation, no detoasting.
 * Outside an aggregate (a direct call) they work on a copy.
 *
 * Final functions compute numerics with the same operations the SQL formula
 * uses (100.0 * (promoters - detractors) / n), so the results are equal to
 * the stock SQL answer digit for digit.
 *
 * Money aggregates (cac, roi) keep a numeric[2] of exact sums.
 */
#include "kpi.h"
#include "counts.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

/* ------------------------------------------------------------------ helpers */

static inline Numeric
num_div(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_div, NumericGetDatum(a), NumericGetDatum(b)));
}

/* 100.0 * x / n, evaluated exactly like the SQL expression of that form */
static Numeric
percent_of(int64 x, int64 n)
{
	Numeric		hundred = int64_div_fast_to_numeric(1000, 1);	/* 100.0 */
	Numeric		num = DatumGetNumeric(DirectFunctionCall2(numeric_mul,
														  NumericGetDatum(hundred),
														  NumericGetDatum(int64_to_numeric(x))));

	return num_div(num, int64_to_numeric(n));
}

/* x / n as numeric (NULL-free: caller checks n) */
static Numeric
ratio_of(int64 x, int64 n)
{
	return num_div(int64_to_numeric(x), int64_to_numeric(n));
}

/* ------------------------------------------------------------------ NPS */

PG_FUNCTION_INFO_V1(gm_nps_accum);
Datum
gm_nps_accum(PG_FUNCTION_ARGS)
{
	int32		score = PG_GETARG_INT32(1);
	ArrayType  *a;
	int64	   *c;

	if (unlikely((uint32) score > 10))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("NPS score %d is out of range", score),
				 errdetail("An NPS answer is an integer from 0 to 10.")));

	a = gm_counts_arg(fcinfo, 0, GM_NPS_SLOTS, "gm.nps");
	c = GM_COUNTS(a);
	c[GM_NPS_N]++;
	c[GM_NPS_PROMOTERS] += (score >= 9);
	c[GM_NPS_DETRACTORS] += (score <= 6);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_nps_combine);
Datum
gm_nps_combine(PG_FUNCTION_ARGS)
{
	return gm_counts_combine(fcinfo, GM_NPS_SLOTS, "gm.nps");
}

PG_FUNCTION_INFO_V1(gm_nps_final);
Datum
gm_nps_final(PG_FUNCTION_ARGS)
{
	const int64 *c = gm_counts_ro(fcinfo, GM_NPS_SLOTS, "gm.nps");

	if (c[GM_NPS_N] == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(percent_of(c[GM_NPS_PROMOTERS] - c[GM_NPS_DETRACTORS], c[GM_NPS_N]));
}

/* ------------------------------------------------------------------ CSAT */

/*
 * gm.csat(score) = gm.csat(score, 5): share (percent) of 4 and 5 answers.
 * gm.csat(score, 100): mean score on the 100-point scale.
 * The scale is remembered in the state; one aggregate call uses one scale.
 */
static void
csat_check_scale(int64 scale)
{
	if (scale != 5 && scale != 100)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("CSAT scale %lld is not supported", (long long) scale),
				 errhint("Use 5 (share of 4-5 answers, in percent) or 100 (mean score).")));
}

PG_FUNCTION_INFO_V1(gm_csat_accum);
Datum
gm_csat_accum(PG_FUNCTION_ARGS)
{
	int32		score = PG_GETARG_INT32(1);
	int32		scale = PG_NARGS() > 2 ? PG_GETARG_INT32(2) : 5;
	ArrayType  *a;
	int64	   *c;

	csat_check_scale(scale);
	if (scale == 5 ? (score < 1 || score > 5) : (score < 0 || score > 100))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("CSAT score %d is out of range for scale %d", score, scale),
				 errdetail("Scale 5 takes answers 1 to 5, scale 100 takes 0 to 100.")));

	a = gm_counts_arg(fcinfo, 0, GM_CSAT_SLOTS, "gm.csat");
	c = GM_COUNTS(a);
	if (c[GM_CSAT_SCALE] == 0)
		c[GM_CSAT_SCALE] = scale;
	else if (c[GM_CSAT_SCALE] != scale)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("CSAT scale changes within one group: %lld and %d",
						(long long) c[GM_CSAT_SCALE], scale),
				 errhint("Aggregate each scale in a group of its own (GROUP BY the scale).")));
	c[GM_CSAT_N]++;
	c[GM_CSAT_TOP2] += (scale == 5 && score >= 4);
	c[GM_CSAT_SUM] += score;
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_csat_combine);
Datum
gm_csat_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = gm_counts_arg(fcinfo, 0, GM_CSAT_SLOTS, "gm.csat");
	ArrayType  *b = gm_counts_arg(fcinfo, 1, GM_CSAT_SLOTS, "gm.csat");
	int64	   *x = GM_COUNTS(a);
	const int64 *y = GM_COUNTS(b);

	if (x[GM_CSAT_SCALE] == 0)
		x[GM_CSAT_SCALE] = y[GM_CSAT_SCALE];
	else if (y[GM_CSAT_SCALE] != 0 && y[GM_CSAT_SCALE] != x[GM_CSAT_SCALE])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("CSAT scale changes within one group: %lld and %lld",
						(long long) x[GM_CSAT_SCALE], (long long) y[GM_CSAT_SCALE]),
				 errhint("Aggregate each scale in a group of its own (GROUP BY the scale).")));
	x[GM_CSAT_N] = gm_count_add(x[GM_CSAT_N], y[GM_CSAT_N]);
	x[GM_CSAT_TOP2] = gm_count_add(x[GM_CSAT_TOP2], y[GM_CSAT_TOP2]);
	x[GM_CSAT_SUM] = gm_count_add(x[GM_CSAT_SUM], y[GM_CSAT_SUM]);
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_csat_final);
Datum
gm_csat_final(PG_FUNCTION_ARGS)
{
	const int64 *c = gm_counts_ro(fcinfo, GM_CSAT_SLOTS, "gm.csat");

	if (c[GM_CSAT_N] == 0)
		PG_RETURN_NULL();
	if (c[GM_CSAT_SCALE] == 5)
		PG_RETURN_NUMERIC(percent_of(c[GM_CSAT_TOP2], c[GM_CSAT_N]));
	csat_check_scale(c[GM_CSAT_SCALE]);
	PG_RETURN_NUMERIC(ratio_of(c[GM_CSAT_SUM], c[GM_CSAT_N]));
}

/* ------------------------------------------------------------------ rate */

PG_FUNCTION_INFO_V1(gm_rate_accum);
Datum
gm_rate_accum(PG_FUNCTION_ARGS)
{
	bool		hit = PG_GETARG_BOOL(1);
	ArrayType  *a = gm_counts_arg(fcinfo, 0, GM_RATE_SLOTS, "gm.rate");
	int64	   *c = GM_COUNTS(a);

	c[GM_RATE_N]++;
	c[GM_RATE_TRUE] += hit;
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_rate_combine);
Datum
gm_rate_combine(PG_FUNCTION_ARGS)
{
	return gm_counts_combine(fcinfo, GM_RATE_SLOTS, "gm.rate");
}

PG_FUNCTION_INFO_V1(gm_rate_final);
Datum
gm_rate_final(PG_FUNCTION_ARGS)
{
	const int64 *c = gm_counts_ro(fcinfo, GM_RATE_SLOTS, "gm.rate");

	if (c[GM_RATE_N] == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(ratio_of(c[GM_RATE_TRUE], c[GM_RATE_N]));
}

/* ------------------------------------------------------------------ funnel */

PG_FUNCTION_INFO_V1(gm_funnel_accum);
Datum
gm_funnel_accum(PG_FUNCTION_ARGS)
{
	int32		stage = PG_GETARG_INT32(1);
	ArrayType  *a;
	int64	   *c;

	if (stage < 1 || stage > GM_FUNNEL_STAGES)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("funnel stage %d is out of range", stage),
				 errdetail("Stages are 1 (lead), 2 (opportunity) and 3 (deal).")));
	a = gm_counts_arg(fcinfo, 0, GM_FUNNEL_STAGES, "gm.funnel");
	c = GM_COUNTS(a);
	for (int i = 0; i < stage; i++)
		c[i]++;
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_funnel_combine);
Datum
gm_funnel_combine(PG_FUNCTION_ARGS)
{
	return gm_counts_combine(fcinfo, GM_FUNNEL_STAGES, "gm.funnel");
}

/* returns gm.funnel_stats (leads, opportunities, deals, lead_to_opportunity, opportunity_to_deal, lead_to_deal) */
PG_FUNCTION_INFO_V1(gm_funnel_final);
Datum
gm_funnel_final(PG_FUNCTION_ARGS)
{
	const int64 *c = gm_counts_ro(fcinfo, GM_FUNNEL_STAGES, "gm.funnel");
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.funnel must return the composite type gm.funnel_stats")));
	tupdesc = BlessTupleDesc(tupdesc);
	if (tupdesc->natts != 6)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("gm.funnel_stats has %d attributes, expected 6", tupdesc->natts)));

	for (int i = 0; i < 3; i++)
		values[i] = Int64GetDatum(c[i]);
	/* lead -> opportunity, opportunity -> deal, lead -> deal (overall) */
	if (c[0] > 0)
		values[3] = NumericGetDatum(ratio_of(c[1], c[0]));
	else
		nulls[3] = true;
	if (c[1] > 0)
		values[4] = NumericGetDatum(ratio_of(c[2], c[1]));
	else
		nulls[4] = true;
	if (c[0] > 0)
		values[5] = NumericGetDatum(ratio_of(c[2], c[0]));
	else
		nulls[5] = true;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/* ------------------------------------------------------------------ CAC, ROI */

/* the numeric[2] state of gm.cac / gm.roi */
static void
money_state(ArrayType *a, Numeric *x, Numeric *y, const char *agg)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	if (ARR_NDIM(a) != 1 || ARR_ELEMTYPE(a) != NUMERICOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for aggregate %s: expected numeric[2]", agg)));
	deconstruct_array(a, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n != 2 || nulls[0] || nulls[1])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for aggregate %s: expected numeric[2] without NULLs", agg)));
	*x = DatumGetNumeric(elems[0]);
	*y = DatumGetNumeric(elems[1]);
}

static Datum
money_result(Numeric x, Numeric y)
{
	Datum		elems[2] = {NumericGetDatum(x), NumericGetDatum(y)};

	PG_RETURN_ARRAYTYPE_P(construct_array(elems, 2, NUMERICOID, -1, false, TYPALIGN_INT));
}

static inline Numeric
num_add(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_add, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline Numeric
num_sub(Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(numeric_sub, NumericGetDatum(a), NumericGetDatum(b)));
}

static inline int
num_sign(Numeric a)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(int64_to_numeric(0))));
}

/* a finite amount, not negative unless allowed */
static void
check_amount(Numeric v, const char *what, bool allow_negative)
{
	if (numeric_is_nan(v) || numeric_is_inf(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite number, not %s", what,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v))))));
	if (!allow_negative && num_sign(v) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must not be negative: %s", what,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v))))));
}

/* money state functions allocate their result in the aggregate context's per-call memory; nodeAgg copies it */
PG_FUNCTION_INFO_V1(gm_cac_accum);
Datum
gm_cac_accum(PG_FUNCTION_ARGS)
{
	Numeric		spend = PG_GETARG_NUMERIC(1);
	int64		customers = PG_GETARG_INT64(2);
	Numeric		s,
				n;

	check_amount(spend, "marketing spend", false);
	if (customers < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("new customer count must not be negative: %lld", (long long) customers)));
	money_state(PG_GETARG_ARRAYTYPE_P(0), &s, &n, "gm.cac");
	return money_result(num_add(s, spend), num_add(n, int64_to_numeric(customers)));
}

PG_FUNCTION_INFO_V1(gm_roi_accum);
Datum
gm_roi_accum(PG_FUNCTION_ARGS)
{
	Numeric		revenue = PG_GETARG_NUMERIC(1);
	Numeric		cost = PG_GETARG_NUMERIC(2);
	Numeric		r,
				c;

	check_amount(revenue, "revenue", true);
	check_amount(cost, "cost", false);
	money_state(PG_GETARG_ARRAYTYPE_P(0), &r, &c, "gm.roi");
	return money_result(num_add(r, revenue), num_add(c, cost));
}

PG_FUNCTION_INFO_V1(gm_money_combine);
Datum
gm_money_combine(PG_FUNCTION_ARGS)
{
	Numeric		a1,
				a2,
				b1,
				b2;

	money_state(PG_GETARG_ARRAYTYPE_P(0), &a1, &a2, "gm.cac/gm.roi");
	money_state(PG_GETARG_ARRAYTYPE_P(1), &b1, &b2, "gm.cac/gm.roi");
	return money_result(num_add(a1, b1), num_add(a2, b2));
}

/* CAC = total spend / total new customers; NULL when no new customers */
PG_FUNCTION_INFO_V1(gm_cac_final);
Datum
gm_cac_final(PG_FUNCTION_ARGS)
{
	Numeric		s,
				n;

	money_state(PG_GETARG_ARRAYTYPE_P(0), &s, &n, "gm.cac");
	if (num_sign(n) == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(num_div(s, n));
}

/* ROI = (total revenue - total cost) / total cost; NULL when the cost is 0 */
PG_FUNCTION_INFO_V1(gm_roi_final);
Datum
gm_roi_final(PG_FUNCTION_ARGS)
{
	Numeric		r,
				c;

	money_state(PG_GETARG_ARRAYTYPE_P(0), &r, &c, "gm.roi");
	if (num_sign(c) == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(num_div(num_sub(r, c), c));
}
