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
#include "calendar.h"
#include "counts.h"
#include "sla.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/datum.h"
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

/* the escalation level with gm.escalation_level's checks of its step and top */
static int32
escalation_level_checked(TimestampTz due, TimestampTz at, const Interval *step, int32 top)
{
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
	PG_RETURN_INT32(escalation_level_checked(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1),
											 PG_GETARG_INTERVAL_P(2), PG_GETARG_INT32(3)));
}

/*
 * The light: 0 green, 1 yellow, 2 red.  Red when done_or_now is past due;
 * yellow when it is at due, when due is not after started, or once warn (a
 * fraction) of the allowed time is used; else green.
 */
static int
light_of(TimestampTz started, TimestampTz due, TimestampTz done, double warn)
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

/* the gm.light value of a light, its enum oids looked up once per call site (fn_extra) */
static Datum
light_datum(FunctionCallInfo fcinfo, Oid **slot, int light)
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
	PG_RETURN_DATUM(light_datum(fcinfo, (Oid **) &fcinfo->flinfo->fn_extra,
								light_of(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1),
										 PG_GETARG_TIMESTAMPTZ(2),
										 PG_ARGISNULL(3) ? 0.75 : PG_GETARG_FLOAT8(3))));
}

/* ----------------------------------------------------------- the follow-up status, row by row */

/*
 * gm.followup_status computes every order's due time, light and escalation
 * level from the policy of its (event, tier).  The policies are those of
 * gm.followup_policy() (the one place that resolves them), read once into a
 * per-backend cache keyed by (event, tier) and rebuilt through the one cache
 * path (gm.h) when a table they come from changes; the calendar they share is
 * compiled once with them.  So a row costs one C call and one probe of a
 * small hash table instead of a join, a calendar recognised by its bytes and
 * a chain of SQL expressions.
 */
typedef struct PolicyEntry
{
	uint32		hash;
	bool		used;
	char	   *event;
	char	   *tier;
	int			event_len;
	int			tier_len;
	int			unit;			/* 1 calendar time, 2 working days, 3 working time, 4 before a date; 0 NULL */
	bool		has_amount,
				has_days,
				has_per_time,
				has_warn,
				has_step,
				has_sla_event,
				has_warn_fraction;
	Interval	amount;
	int32		days;
	Interval	per_time;
	double		warn;
	Interval	step;
	Datum		sla_event;		/* text */
	Datum		warn_fraction;	/* numeric */
	CalCompiled *cal;			/* NULL: no calendar */
} PolicyEntry;

static GmCacheWatch policy_watch = {{"sla_policy", "followup_event", "followup_tier", "followup_setting",
									 "calendar_def", "calendar_day", "calendar_year"}};
static PolicyEntry *policies = NULL;	/* open addressing, policy_mask + 1 slots */
static uint32 policy_mask = 0;

static uint32
policy_hash(const char *event, int event_len, const char *tier, int tier_len)
{
	return hash_combine(hash_bytes((const unsigned char *) event, event_len),
						hash_bytes((const unsigned char *) tier, tier_len));
}

static void
policy_rebuild(void)
{
	static const char *const query =
		"SELECT event, tier, unit_code, amount, days, per_time, warn_float, escalation_step, "
		"sla_event, warn_fraction, calendar FROM gm.followup_policy()";
	MemoryContext cxt = gm_cache_begin_rebuild(&policy_watch);
	MemoryContext old;
	bool		pushed;
	uint64		n,
				i;
	uint32		size = 16;
	struct varlena *last_cal = NULL;
	CalCompiled *last_cc = NULL;

	policies = NULL;
	policy_mask = 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	pushed = gm_cache_read_begin(&policy_watch);
	if (SPI_execute(query, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "reading gm.followup_policy() failed");
	gm_cache_read_end(pushed);
	n = SPI_processed;
	while (size < 2 * n + 2)
		size <<= 1;
	old = MemoryContextSwitchTo(cxt);
	policies = palloc0(size * sizeof(PolicyEntry));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		PolicyEntry e;
		bool		isnull;
		Datum		d;
		uint32		slot;

		memset(&e, 0, sizeof(e));
		d = SPI_getbinval(tup, desc, 1, &isnull);
		if (isnull)
			continue;
		e.event = TextDatumGetCString(d);
		d = SPI_getbinval(tup, desc, 2, &isnull);
		if (isnull)
			continue;
		e.tier = TextDatumGetCString(d);
		e.event_len = strlen(e.event);
		e.tier_len = strlen(e.tier);
		d = SPI_getbinval(tup, desc, 3, &isnull);
		e.unit = isnull ? 0 : DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 4, &isnull);
		if ((e.has_amount = !isnull))
			e.amount = *DatumGetIntervalP(d);
		d = SPI_getbinval(tup, desc, 5, &isnull);
		if ((e.has_days = !isnull))
			e.days = DatumGetInt32(d);
		d = SPI_getbinval(tup, desc, 6, &isnull);
		if ((e.has_per_time = !isnull))
			e.per_time = *DatumGetIntervalP(d);
		d = SPI_getbinval(tup, desc, 7, &isnull);
		if ((e.has_warn = !isnull))
			e.warn = DatumGetFloat8(d);
		d = SPI_getbinval(tup, desc, 8, &isnull);
		if ((e.has_step = !isnull))
			e.step = *DatumGetIntervalP(d);
		d = SPI_getbinval(tup, desc, 9, &isnull);
		if ((e.has_sla_event = !isnull))
			e.sla_event = datumCopy(d, false, -1);
		d = SPI_getbinval(tup, desc, 10, &isnull);
		if ((e.has_warn_fraction = !isnull))
			e.warn_fraction = datumCopy(d, false, -1);
		d = SPI_getbinval(tup, desc, 11, &isnull);
		if (!isnull)
		{
			struct varlena *v = (struct varlena *) PG_DETOAST_DATUM(d);

			if (last_cal == NULL || VARSIZE(last_cal) != VARSIZE(v) ||
				memcmp(last_cal, v, VARSIZE(v)) != 0)
			{
				last_cal = (struct varlena *) palloc(VARSIZE(v));
				memcpy(last_cal, v, VARSIZE(v));
				last_cc = gm_cal_compile((GmCalendar *) last_cal, cxt);
			}
			e.cal = last_cc;
		}
		e.hash = policy_hash(e.event, e.event_len, e.tier, e.tier_len);
		e.used = true;
		slot = e.hash & (size - 1);
		while (policies[slot].used)
			slot = (slot + 1) & (size - 1);
		policies[slot] = e;
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	policy_mask = size - 1;
	gm_cache_end_rebuild(&policy_watch);
}

/* the policy of the (event, tier) in arguments 0 and 1; NULL when there is none */
static const PolicyEntry *
policy_arg(FunctionCallInfo fcinfo)
{
	text	   *ev,
			   *ti;
	const char *e,
			   *t;
	int			el,
				tl;
	uint32		h,
				slot;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return NULL;
	if (!gm_cache_valid(&policy_watch) || policies == NULL)
		policy_rebuild();
	ev = (text *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	ti = (text *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	e = VARDATA_ANY(ev);
	el = VARSIZE_ANY_EXHDR(ev);
	t = VARDATA_ANY(ti);
	tl = VARSIZE_ANY_EXHDR(ti);
	h = policy_hash(e, el, t, tl);
	for (slot = h & policy_mask; policies[slot].used; slot = (slot + 1) & policy_mask)
	{
		const PolicyEntry *p = &policies[slot];

		if (p->hash == h && p->event_len == el && p->tier_len == tl &&
			memcmp(p->event, e, el) == 0 && memcmp(p->tier, t, tl) == 0)
			return p;
	}
	return NULL;
}

/* ts + iv as timestamptz + interval does it (days and months in the session's time zone) */
static TimestampTz
ts_plus(TimestampTz ts, const Interval *iv, bool minus)
{
	TimestampTz r;

	if (iv->month != 0 || iv->day != 0)
		return DatumGetTimestampTz(DirectFunctionCall2(minus ? timestamptz_mi_interval : timestamptz_pl_interval,
													   TimestampTzGetDatum(ts), IntervalPGetDatum(iv)));
	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if ((minus ? pg_sub_s64_overflow(ts, iv->time, &r) : pg_add_s64_overflow(ts, iv->time, &r)) ||
		!IS_VALID_TIMESTAMP(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return r;
}

/*
 * The due time of an order started at `started` (its planned due when it has
 * one), as gm._followup_due computes it from the policy.  false: NULL.
 */
static bool
due_of(const PolicyEntry *p, bool started_null, TimestampTz started,
	   bool planned_null, TimestampTz planned, TimestampTz *due)
{
	if (!planned_null)
	{
		*due = planned;
		return true;
	}
	if (p == NULL || started_null)
		return false;
	switch (p->unit)
	{
		case 1:
			if (!p->has_per_time)
				return false;
			*due = ts_plus(started, &p->per_time, false);
			return true;
		case 2:
			if (!p->has_days || p->cal == NULL)
				return false;
			return gm_cal_due_working_days(p->cal, started, p->days, due);
		case 3:
			if (!p->has_amount || p->cal == NULL)
				return false;
			*due = gm_cal_add_working_time(p->cal, started, &p->amount);
			return true;
		case 4:
			if (!p->has_amount)
				return false;
			*due = ts_plus(started, &p->amount, true);
			return true;
		default:
			return false;
	}
}

#define ARG_TS(n, isnull) ((isnull) = PG_ARGISNULL(n), (isnull) ? 0 : PG_GETARG_TIMESTAMPTZ(n))

/*
 * gm._followup_due_of(event text, tier text, started timestamptz, planned_due timestamptz)
 *     RETURNS timestamptz
 */
PG_FUNCTION_INFO_V1(gm_followup_due_of);
Datum
gm_followup_due_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);
	bool		sn,
				pn;
	TimestampTz started = ARG_TS(2, sn);
	TimestampTz planned = ARG_TS(3, pn);
	TimestampTz due;

	if (!due_of(p, sn, started, pn, planned, &due))
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(due);
}

/*
 * gm._followup_light_of(event text, tier text, started timestamptz, planned_due timestamptz,
 *                       done_or_now timestamptz) RETURNS gm.light
 */
PG_FUNCTION_INFO_V1(gm_followup_light_of);
Datum
gm_followup_light_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);
	bool		sn,
				pn,
				dn;
	TimestampTz started = ARG_TS(2, sn);
	TimestampTz planned = ARG_TS(3, pn);
	TimestampTz done = ARG_TS(4, dn);
	TimestampTz due;

	if (sn || dn || !due_of(p, sn, started, pn, planned, &due))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(light_datum(fcinfo, (Oid **) &fcinfo->flinfo->fn_extra,
								light_of(started, due, done,
										 (p != NULL && p->has_warn) ? p->warn : 0.75)));
}

/*
 * gm._followup_level_of(event text, tier text, started timestamptz, planned_due timestamptz,
 *                       done_or_now timestamptz, top integer) RETURNS integer
 */
PG_FUNCTION_INFO_V1(gm_followup_level_of);
Datum
gm_followup_level_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);
	bool		sn,
				pn,
				dn;
	TimestampTz started = ARG_TS(2, sn);
	TimestampTz planned = ARG_TS(3, pn);
	TimestampTz at = ARG_TS(4, dn);
	TimestampTz due;

	if (dn || PG_ARGISNULL(5) || p == NULL || !p->has_step ||
		!due_of(p, sn, started, pn, planned, &due))
		PG_RETURN_NULL();
	PG_RETURN_INT32(escalation_level_checked(due, at, &p->step, PG_GETARG_INT32(5)));
}

/* gm._followup_sla_event(event, tier), _warn_fraction, _escalation_step: the policy's columns */
PG_FUNCTION_INFO_V1(gm_followup_sla_event_of);
Datum
gm_followup_sla_event_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);

	if (p == NULL || !p->has_sla_event)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(datumCopy(p->sla_event, false, -1));	/* the cache may be rebuilt while the row lives */
}

PG_FUNCTION_INFO_V1(gm_followup_warn_fraction_of);
Datum
gm_followup_warn_fraction_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);

	if (p == NULL || !p->has_warn_fraction)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(datumCopy(p->warn_fraction, false, -1));
}

PG_FUNCTION_INFO_V1(gm_followup_escalation_step_of);
Datum
gm_followup_escalation_step_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo);

	Interval   *r;

	if (p == NULL || !p->has_step)
		PG_RETURN_NULL();
	r = palloc(sizeof(Interval));
	*r = p->step;
	PG_RETURN_INTERVAL_P(r);
}
