/*
 * followup_status.c — the follow-up status, row by row: the C behind the view
 * gm.followup_status (50_followup.sql).
 *
 * gm.followup_status computes every order's due time, light and escalation
 * level from the policy of its (event, tier).  The policies are those of
 * gm.followup_policy() (the one place that resolves them), read once into a
 * per-backend cache keyed by (event, tier) and rebuilt through the one cache
 * path (gm.h) when a table they come from changes; the calendar they share is
 * compiled once with them.  So a row costs one C call and one probe of a
 * small hash table instead of a join, a calendar recognised by its bytes and
 * a chain of SQL expressions.
 */
#include "calendar.h"
#include "sla.h"
#include "tzspan.h"

#include "access/xact.h"
#include "common/int.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/timestamp.h"

typedef struct PolicyEntry
{
	uint32		hash;
	bool		used;
	char	   *event;
	char	   *tier;
	int			event_len;
	int			tier_len;
	uint64		event_words[2];	/* key_words(): the whole key when it has at most 16 bytes */
	uint64		tier_words[2];
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

/*
 * A key as two words that, with its length, are the whole key when it has at
 * most 16 bytes (its first and last 8 bytes; shorter keys packed from
 * overlapping pieces), so the probe compares words instead of bytes; longer
 * keys are also compared byte by byte.  Fixed-size loads only.
 */
static inline void
key_words(const char *p, int len, uint64 w[2])
{
	if (len >= 8)
	{
		memcpy(&w[0], p, 8);
		memcpy(&w[1], p + len - 8, 8);
	}
	else if (len >= 4)
	{
		uint32		a,
					b;

		memcpy(&a, p, 4);
		memcpy(&b, p + len - 4, 4);
		w[0] = (uint64) a | ((uint64) b << ((len - 4) * 8));
		w[1] = 0;
	}
	else
	{
		w[0] = len == 0 ? 0 : ((uint64) (uint8) p[0] | ((uint64) (uint8) p[len / 2] << 8) |
							   ((uint64) (uint8) p[len - 1] << 16));
		w[1] = 0;
	}
}

static inline uint32
policy_hash(const uint64 ev[2], int event_len, const uint64 ti[2], int tier_len)
{
	uint64		h = (ev[0] * UINT64CONST(0x9E3779B97F4A7C15)) ^ (ev[1] + (uint64) event_len);

	h = h * UINT64CONST(0xC2B2AE3D27D4EB4F) + ((ti[0] * UINT64CONST(0x9E3779B97F4A7C15)) ^ (ti[1] + (uint64) tier_len));
	h ^= h >> 29;
	h *= UINT64CONST(0xBF58476D1CE4E5B9);
	return (uint32) (h ^ (h >> 32));
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
		key_words(e.event, e.event_len, e.event_words);
		key_words(e.tier, e.tier_len, e.tier_words);
		e.hash = policy_hash(e.event_words, e.event_len, e.tier_words, e.tier_len);
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

/* the policy of the (event, tier) in arguments argno and argno + 1; NULL when there is none */
static inline const PolicyEntry *
policy_arg(FunctionCallInfo fcinfo, int argno)
{
	text	   *ev,
			   *ti;
	const char *e,
			   *t;
	int			el,
				tl;
	uint32		h,
				slot;
	uint64		ew[2],
				tw[2];

	if (PG_ARGISNULL(argno) || PG_ARGISNULL(argno + 1))
		return NULL;
	if (!gm_cache_valid(&policy_watch) || policies == NULL)
		policy_rebuild();
	ev = (text *) DatumGetPointer(PG_GETARG_DATUM(argno));
	ti = (text *) DatumGetPointer(PG_GETARG_DATUM(argno + 1));
	if (VARATT_IS_COMPRESSED(ev) || VARATT_IS_EXTERNAL(ev))
		ev = (text *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno));
	if (VARATT_IS_COMPRESSED(ti) || VARATT_IS_EXTERNAL(ti))
		ti = (text *) PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argno + 1));
	e = VARDATA_ANY(ev);
	el = VARSIZE_ANY_EXHDR(ev);
	t = VARDATA_ANY(ti);
	tl = VARSIZE_ANY_EXHDR(ti);
	key_words(e, el, ew);
	key_words(t, tl, tw);
	h = policy_hash(ew, el, tw, tl);
	for (slot = h & policy_mask; policies[slot].used; slot = (slot + 1) & policy_mask)
	{
		const PolicyEntry *p = &policies[slot];

		if (p->hash == h && p->event_len == el && p->tier_len == tl &&
			p->event_words[0] == ew[0] && p->event_words[1] == ew[1] &&
			p->tier_words[0] == tw[0] && p->tier_words[1] == tw[1] &&
			(el <= 16 || memcmp(p->event, e, el) == 0) &&
			(tl <= 16 || memcmp(p->tier, t, tl) == 0))
			return p;
	}
	return NULL;
}

/*
 * ts + iv as timestamptz + interval does it: days and months in the session's
 * time zone.  Days without months inside one span of the zone's offset
 * (tzspan.h) are whole 24-hour days; anything else goes the stock way.
 */
static GmTzSpan session_span;

static TimestampTz
ts_plus(TimestampTz ts, const Interval *iv, bool minus)
{
	TimestampTz r;
	int64		us;
	long		off;

	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (iv->month != 0 ||
		(iv->day != 0 && !gm_tz_span(&session_span, session_timezone, ts, &off)))
		return DatumGetTimestampTz(DirectFunctionCall2(minus ? timestamptz_mi_interval : timestamptz_pl_interval,
													   TimestampTzGetDatum(ts), IntervalPGetDatum(iv)));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us) ||
		(minus ? pg_sub_s64_overflow(ts, us, &r) : pg_add_s64_overflow(ts, us, &r)) ||
		!IS_VALID_TIMESTAMP(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	if (iv->day != 0)
	{
		/* the day step lands in the same span (by a day's margin): the same local clock time */
		TimestampTz dayed = r - (minus ? -iv->time : iv->time);

		if (!gm_tz_span_inner(&session_span, dayed))
			return DatumGetTimestampTz(DirectFunctionCall2(minus ? timestamptz_mi_interval : timestamptz_pl_interval,
														   TimestampTzGetDatum(ts), IntervalPGetDatum(iv)));
	}
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
	const PolicyEntry *p = policy_arg(fcinfo, 0);
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
 * An order's start (reopened, else opened) and the time it is rated at
 * (responded, else now: the transaction start, as now()) from arguments
 * opened, reopened and responded.  false when it has no start.
 */
static inline bool
order_times(FunctionCallInfo fcinfo, int opened, TimestampTz *started, TimestampTz *at)
{
	if (!PG_ARGISNULL(opened + 1))
		*started = PG_GETARG_TIMESTAMPTZ(opened + 1);
	else if (!PG_ARGISNULL(opened))
		*started = PG_GETARG_TIMESTAMPTZ(opened);
	else
		return false;
	*at = PG_ARGISNULL(opened + 3) ? GetCurrentTransactionStartTimestamp() : PG_GETARG_TIMESTAMPTZ(opened + 3);
	return true;
}

/* per call site: the labels of gm.light, the oid of the state 'cancelled' */
typedef struct StatusSite
{
	Oid		   *light;
	Oid			cancelled;
} StatusSite;

static inline StatusSite *
status_site(FunctionCallInfo fcinfo)
{
	StatusSite *site = (StatusSite *) fcinfo->flinfo->fn_extra;

	if (site == NULL)
	{
		Oid			state_type = get_fn_expr_argtype(fcinfo->flinfo, 0);

		if (!OidIsValid(state_type))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("could not determine the type of the follow-up state")));
		site = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(StatusSite));
		site->cancelled = DatumGetObjectId(DirectFunctionCall2(enum_in, CStringGetDatum("cancelled"),
															   ObjectIdGetDatum(state_type)));
		fcinfo->flinfo->fn_extra = site;
	}
	return site;
}

/*
 * gm._followup_light_of(state gm.followup_state, event text, tier text, opened_at timestamptz,
 *                       reopened_at timestamptz, planned_due timestamptz, responded_at timestamptz)
 *     RETURNS gm.light
 * NULL for a cancelled order.
 */
PG_FUNCTION_INFO_V1(gm_followup_light_of);
Datum
gm_followup_light_of(PG_FUNCTION_ARGS)
{
	StatusSite *site = status_site(fcinfo);
	const PolicyEntry *p;
	bool		pn;
	TimestampTz started,
				at,
				due;
	TimestampTz planned;

	if (PG_ARGISNULL(0) || PG_GETARG_OID(0) == site->cancelled)
		PG_RETURN_NULL();
	p = policy_arg(fcinfo, 1);
	planned = ARG_TS(5, pn);
	if (!order_times(fcinfo, 3, &started, &at) || !due_of(p, false, started, pn, planned, &due))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(gm_light_datum(fcinfo, &site->light,
								gm_light_of(started, due, at,
										 (p != NULL && p->has_warn) ? p->warn : 0.75)));
}

/*
 * gm._followup_level_of(state gm.followup_state, event text, tier text, opened_at timestamptz,
 *                       reopened_at timestamptz, planned_due timestamptz, responded_at timestamptz,
 *                       top integer) RETURNS integer
 * 0 for a cancelled order.
 */
PG_FUNCTION_INFO_V1(gm_followup_level_of);
Datum
gm_followup_level_of(PG_FUNCTION_ARGS)
{
	StatusSite *site = status_site(fcinfo);
	const PolicyEntry *p;
	bool		pn;
	TimestampTz started,
				at,
				due;
	TimestampTz planned;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (PG_GETARG_OID(0) == site->cancelled)
		PG_RETURN_INT32(0);
	p = policy_arg(fcinfo, 1);
	planned = ARG_TS(5, pn);
	if (PG_ARGISNULL(7) || p == NULL || !p->has_step ||
		!order_times(fcinfo, 3, &started, &at) || !due_of(p, false, started, pn, planned, &due))
		PG_RETURN_NULL();
	PG_RETURN_INT32(gm_escalation_level_checked(due, at, &p->step, PG_GETARG_INT32(7)));
}

/* gm._followup_sla_event(event, tier), _warn_fraction, _escalation_step: the policy's columns */
PG_FUNCTION_INFO_V1(gm_followup_sla_event_of);
Datum
gm_followup_sla_event_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo, 0);

	if (p == NULL || !p->has_sla_event)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(datumCopy(p->sla_event, false, -1));	/* the cache may be rebuilt while the row lives */
}

PG_FUNCTION_INFO_V1(gm_followup_warn_fraction_of);
Datum
gm_followup_warn_fraction_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo, 0);

	if (p == NULL || !p->has_warn_fraction)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(datumCopy(p->warn_fraction, false, -1));
}

PG_FUNCTION_INFO_V1(gm_followup_escalation_step_of);
Datum
gm_followup_escalation_step_of(PG_FUNCTION_ARGS)
{
	const PolicyEntry *p = policy_arg(fcinfo, 0);

	Interval   *r;

	if (p == NULL || !p->has_step)
		PG_RETURN_NULL();
	r = palloc(sizeof(Interval));
	*r = p->step;
	PG_RETURN_INTERVAL_P(r);
}
