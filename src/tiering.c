/*
 * tiering.c — lifecycle class, value tier (thresholds: parameters of
 * gm.parameter read through gm.param, cached per backend and invalidated
 * through the GmCacheWatch API on gm.parameter), and the
 * LTV / churn-rate / ARPU helpers.
 */
#include "rfm.h"

#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

/* ------------------------------------------------------------ the cache */

enum
{
	CFG_NEW_DAYS,
	CFG_AT_RISK_DAYS,
	CFG_CHURNED_DAYS,
	CFG_HIGH_MIN_F,
	CFG_HIGH_MIN_M,
	CFG_AT_RISK_MAX_R,
	CFG_COUNT
};

static const char *const cfg_names[CFG_COUNT] = {
	"lifecycle_new_days", "lifecycle_at_risk_days", "lifecycle_churned_days",
	"value_high_min_f", "value_high_min_m", "value_at_risk_max_r"};

static const char *const lifecycle_labels[] = {
	"potential", "intent", "new", "existing", "key", "at_risk", "churned"};
enum
{
	LC_POTENTIAL, LC_INTENT, LC_NEW, LC_EXISTING, LC_KEY, LC_AT_RISK, LC_CHURNED, LC_COUNT
};

static const char *const tier_labels[] = {"high", "potential", "at_risk"};
enum
{
	VT_HIGH, VT_POTENTIAL, VT_AT_RISK, VT_COUNT
};

typedef struct TierCache
{
	int32		cfg[CFG_COUNT];
	Oid			lifecycle_oid[LC_COUNT];
	Oid			tier_oid[VT_COUNT];
} TierCache;

static GmCacheWatch tier_watch = {{"parameter"}};
static TierCache tier_cache;

static void
lookup_enum(const char *typname, const char *const *labels, int n, Oid *out)
{
	Oid			typoid = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
										 CStringGetDatum(typname),
										 ObjectIdGetDatum(gm_schema_oid()));
	int			i;

	if (!OidIsValid(typoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type gm.%s does not exist", typname)));
	for (i = 0; i < n; i++)
	{
		out[i] = GetSysCacheOid2(ENUMTYPOIDNAME, Anum_pg_enum_oid,
								 ObjectIdGetDatum(typoid), CStringGetDatum(labels[i]));
		if (!OidIsValid(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("type gm.%s has no label \"%s\"", typname, labels[i])));
	}
}

/*
 * A threshold is a whole number >= 0 (days, or a score): anything else in
 * gm.parameter (an edit gone wrong) fails the rebuild with 22023 naming it.
 */
static int32
threshold_value(const char *name, Datum v)
{
	Numeric		num = DatumGetNumeric(v);
	bool		error = false;
	int32		result = 0;

	if (!numeric_is_nan(num) && !numeric_is_inf(num) &&
		DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(num),
										 DirectFunctionCall2(numeric_trunc, NumericGetDatum(num), Int32GetDatum(0)))))
		result = numeric_int4_opt_error(num, &error);
	else
		error = true;
	if (error || result < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("parameter \"%s\" must be a whole number >= 0, not %s", name,
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)))),
				 errhint("Correct its value in gm.parameter.")));
	return result;
}

static const TierCache *
tier_config(void)
{
	if (!gm_cache_valid(&tier_watch))
	{
		TierCache	c;
		bool		seen[CFG_COUNT] = {false};
		bool		pushed;
		uint64		i;
		int			k;

		/* an ERROR below abandons the build (cache.c): the next call rebuilds */
		(void) gm_cache_begin_rebuild(&tier_watch);
		{
			lookup_enum("lifecycle_class", lifecycle_labels, LC_COUNT, c.lifecycle_oid);
			lookup_enum("value_tier_class", tier_labels, VT_COUNT, c.tier_oid);
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			/* read-only SPI runs with the active snapshot: the latest one (gm.h) */
			pushed = gm_cache_read_begin(&tier_watch);
			/* every threshold through gm.param: an unknown name is 42704 there */
			if (SPI_execute("SELECT k, gm.param(k) FROM pg_catalog.unnest('{lifecycle_new_days,lifecycle_at_risk_days,"
							"lifecycle_churned_days,value_high_min_f,value_high_min_m,value_at_risk_max_r}'::pg_catalog.text[]) k",
							true, 0) != SPI_OK_SELECT)
				elog(ERROR, "cannot read the tiering parameters of gm.parameter");
			gm_cache_read_end(pushed);
			for (i = 0; i < SPI_processed; i++)
			{
				HeapTuple	tup = SPI_tuptable->vals[i];
				TupleDesc	td = SPI_tuptable->tupdesc;
				bool		isnull;
				char	   *name = SPI_getvalue(tup, td, 1);
				Datum		v = SPI_getbinval(tup, td, 2, &isnull);

				for (k = 0; k < CFG_COUNT; k++)
					if (name && strcmp(name, cfg_names[k]) == 0 && !isnull)
					{
						c.cfg[k] = threshold_value(cfg_names[k], v);
						seen[k] = true;
					}
			}
			SPI_finish();
			for (k = 0; k < CFG_COUNT; k++)
				if (!seen[k])
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_OBJECT),
							 errmsg("gm.parameter has no value of \"%s\"", cfg_names[k]),
							 errhint("Restore the shipped row of gm.parameter, or insert the parameter with its value.")));
		}
		tier_cache = c;
		gm_cache_end_rebuild(&tier_watch);
	}
	return &tier_cache;
}

/* ----------------------------------------------------------- lifecycle */

static DateADT
finite_date(FunctionCallInfo fcinfo, int argno, const char *what)
{
	DateADT		d = PG_GETARG_DATEADT(argno);

	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite date, not %s", what,
						DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity")));
	return d;
}

/*
 * gm.lifecycle(first_order date, last_order date, last_interaction date,
 *              intent boolean, key boolean, as_of date) RETURNS gm.lifecycle_class
 */
PG_FUNCTION_INFO_V1(gm_lifecycle);
Datum
gm_lifecycle(PG_FUNCTION_ARGS)
{
	const TierCache *c;
	DateADT		as_of,
				first,
				last;
	bool		intent = !PG_ARGISNULL(3) && PG_GETARG_BOOL(3);
	bool		key = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	int			cls;

	if (PG_ARGISNULL(5))
		PG_RETURN_NULL();
	as_of = finite_date(fcinfo, 5, "as_of");
	c = tier_config();
	if (PG_ARGISNULL(0))
	{
		/* never bought: a prospect, with or without a declared intent */
		cls = intent ? LC_INTENT : LC_POTENTIAL;
		PG_RETURN_OID(c->lifecycle_oid[cls]);
	}
	first = finite_date(fcinfo, 0, "first_order");
	if (first > as_of)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("first order %s is after as_of %s",
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(first))),
						DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(as_of)))),
				 errhint("Pass an as_of date on or after the first order.")));
	/* the last activity: the latest of first order, last order and last interaction */
	last = first;
	if (!PG_ARGISNULL(1))
		last = Max(last, finite_date(fcinfo, 1, "last_order"));
	if (!PG_ARGISNULL(2))
		last = Max(last, finite_date(fcinfo, 2, "last_interaction"));

	if ((int64) as_of - last >= c->cfg[CFG_CHURNED_DAYS])
		cls = LC_CHURNED;
	else if ((int64) as_of - last >= c->cfg[CFG_AT_RISK_DAYS])
		cls = LC_AT_RISK;
	else if ((int64) as_of - first < c->cfg[CFG_NEW_DAYS])
		cls = LC_NEW;
	else if (key)
		cls = LC_KEY;
	else
		cls = LC_EXISTING;
	PG_RETURN_OID(c->lifecycle_oid[cls]);
}

/* gm.value_tier(gm.rfm) RETURNS gm.value_tier_class */
PG_FUNCTION_INFO_V1(gm_value_tier);
Datum
gm_value_tier(PG_FUNCTION_ARGS)
{
	GmRfm		s = PG_GETARG_GMRFM(0);
	const TierCache *c = tier_config();
	bool		valuable = GM_RFM_F(s) >= c->cfg[CFG_HIGH_MIN_F] && GM_RFM_M(s) >= c->cfg[CFG_HIGH_MIN_M];

	if (valuable && GM_RFM_R(s) <= c->cfg[CFG_AT_RISK_MAX_R])
		PG_RETURN_OID(c->tier_oid[VT_AT_RISK]);
	PG_RETURN_OID(c->tier_oid[valuable ? VT_HIGH : VT_POTENTIAL]);
}

/* ------------------------------------------------- LTV, churn rate, ARPU */

static int
num_sign(Datum n)
{
	Numeric		num = DatumGetNumeric(n);

	if (numeric_is_nan(num))
		return 2;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, n,
											 DirectFunctionCall1(int4_numeric, Int32GetDatum(0))));
}

static void
check_nonneg_numeric(Datum n, const char *what)
{
	int			sign = num_sign(n);

	if (sign < 0 || sign == 2 || numeric_is_inf(DatumGetNumeric(n)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s must be a finite number >= 0, not %s", what,
						DatumGetCString(DirectFunctionCall1(numeric_out, n)))));
}

/* gm.ltv(avg_yearly_spend numeric, expected_years numeric, service_cost numeric) */
PG_FUNCTION_INFO_V1(gm_ltv);
Datum
gm_ltv(PG_FUNCTION_ARGS)
{
	Datum		spend = PG_GETARG_DATUM(0),
				years = PG_GETARG_DATUM(1),
				cost = PG_GETARG_DATUM(2);

	check_nonneg_numeric(spend, "average yearly spend");
	check_nonneg_numeric(years, "expected years");
	check_nonneg_numeric(cost, "service cost");
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_sub,
										DirectFunctionCall2(numeric_mul, spend, years), cost));
}

/* gm.churn_rate(customers_at_start bigint, churned bigint) RETURNS numeric */
PG_FUNCTION_INFO_V1(gm_churn_rate);
Datum
gm_churn_rate(PG_FUNCTION_ARGS)
{
	int64		base = PG_GETARG_INT64(0),
				lost = PG_GETARG_INT64(1);

	if (base < 0 || lost < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("customer counts must be >= 0, not " INT64_FORMAT " and " INT64_FORMAT, base, lost)));
	if (lost > base)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("churned customers " INT64_FORMAT " exceed the " INT64_FORMAT " customers at the start", lost, base)));
	if (base == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										DirectFunctionCall1(int8_numeric, Int64GetDatum(lost)),
										DirectFunctionCall1(int8_numeric, Int64GetDatum(base))));
}

/* gm.arpu(revenue numeric, customers numeric) RETURNS numeric */
PG_FUNCTION_INFO_V1(gm_arpu);
Datum
gm_arpu(PG_FUNCTION_ARGS)
{
	Datum		revenue = PG_GETARG_DATUM(0),
				customers = PG_GETARG_DATUM(1);
	int			sign;

	if (numeric_is_nan(DatumGetNumeric(revenue)) || numeric_is_inf(DatumGetNumeric(revenue)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("revenue must be a finite number, not %s",
						DatumGetCString(DirectFunctionCall1(numeric_out, revenue)))));
	check_nonneg_numeric(customers, "the number of customers");
	sign = num_sign(customers);
	if (sign == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, revenue, customers));
}
