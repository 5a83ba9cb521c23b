/*
 * calendar.c — business-calendar arithmetic on compiled gm.calendar values:
 * is_workday, add_working_days, working_days_between, add_working_time,
 * working_time_between, working_day_end; and gm.calendar(name), the STABLE
 * lookup by name, cached per backend and invalidated through GmCacheWatch.
 *
 * Every function exists twice: on a gm.calendar value (IMMUTABLE, can be shipped
 * to shards) and on a calendar name (STABLE).  Both keep the compiled form of
 * their calendar in fn_extra, so a call costs a comparison and a few array reads.
 */
#include "calendar.h"
#include "tzspan.h"

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "common/int.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "nodes/pg_list.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* the compiled calendar: value + a table of cumulative working-day counts */
struct CalCompiled
{
	GmCalendar *val;
	pg_tz	   *tz;				/* resolved on first use, see cal_tz() */
	GmTzSpan	span;			/* a span of tz with one offset (tzspan.h) */
	uint8		weekmask;		/* bit d: ISO weekday d (Mon = 0) has windows */
	int			wcount;			/* working weekdays per plain week */
	/* plain weeks: days from a day of ISO weekday w to its r-th working day after / before */
	int8		after[7][8],
				before[7][8];
	int			defday;			/* weekday whose windows a make-up day borrows */
	bool		bounded;		/* outside the official years is an error */
	int32		min_day,
				max_day;		/* official range when bounded */
	int32		lo,
				n;				/* table covers days lo .. lo+n-1 */
	int32	   *cum;			/* cum[i] = working days in [lo, lo+i) */
	int32	   *wdpos;			/* offsets (from lo) of the working days in the table */
	bool		any_work;		/* at least one working day somewhere */
	MemoryContext cxt;			/* where the lazily built parts below live */
	int64		wmin[7];		/* nominal working minutes of each plain weekday */
	int64		wk_min;			/* ... of a plain week */
	/* built on first use by the long-span working-time arithmetic (see span_*) */
	int64	   *cum_min;		/* cum_min[i] = nominal working minutes in [lo, lo+i) */
	bool		cyc_done[2];	/* [0] before CAL_PAST_YEAR, [1] from CAL_FUTURE_YEAR on */
	/* gm_cal_due_working_days: recent answers by (local start day, days), direct-mapped */
	struct
	{
		int32		start;
		int32		days;
		int8		state;		/* 0 empty, 1 due, 2 no working window (NULL) */
		TimestampTz due;
	}			due_memo[64];
	bool		cyc_ok[2];		/* the zone repeats every 400 years there */
	int64		cyc_corr[2];	/* DST correction of 400 plain years there, microseconds */
};


static void
cal_date_str(int32 day, char *buf)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	snprintf(buf, 16, "%04d-%02d-%02d", y, m, d);
}

static const char *
cal_label(const CalCompiled *cc)
{
	return CAL_NAME(cc->val)[0] ? CAL_NAME(cc->val) : "(unnamed)";
}

/*
 * The calendar's time zone, loaded on first use: only the working-time
 * functions need it, and loading a zone costs a new session a directory scan.
 */
static pg_tz *
cal_tz(const CalCompiled *cc)
{
	if (cc->tz == NULL)
	{
		pg_tz	   *tz = pg_tzset(CAL_TZ(cc->val));

		if (tz == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("time zone \"%s\" not recognized", CAL_TZ(cc->val)),
					 errhint("Time zones are the names of pg_timezone_names, e.g. Asia/Shanghai.")));
		((CalCompiled *) cc)->tz = tz;
	}
	return cc->tz;
}

static CalCompiled *
cal_compile(const GmCalendar *val, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	CalCompiled *cc = palloc0(sizeof(CalCompiled));
	CalException *exc;
	int			d,
				i;
	int32		lo,
				hi;

	cc->val = palloc(VARSIZE(val));
	memcpy(cc->val, val, VARSIZE(val));
	cc->cxt = cxt;
	exc = CAL_EXC(cc->val);
	cc->defday = -1;
	for (d = 0; d < 7; d++)
	{
		const CalWindow *w = CAL_WIN(cc->val) + cc->val->wwin_off[d];

		for (i = 0; i < cc->val->wnwin[d]; i++)
			cc->wmin[d] += w[i].end - w[i].start;
		cc->wk_min += cc->wmin[d];
	}
	for (d = 0; d < 7; d++)
		if (cc->val->wnwin[d] > 0)
		{
			cc->weekmask |= (uint8) (1 << d);
			cc->wcount++;
			if (cc->defday < 0)
				cc->defday = d;
		}
	cc->any_work = cc->wcount > 0;
	for (d = 0; d < 7; d++)
	{
		int			r = 0,
					k;

		for (k = 1; k <= 7; k++)
			if ((cc->weekmask >> ((d + k) % 7)) & 1)
				cc->after[d][++r] = (int8) k;
		r = 0;
		for (k = 1; k <= 7; k++)
			if ((cc->weekmask >> ((d - k + 7) % 7)) & 1)
				cc->before[d][++r] = (int8) k;
	}
	for (i = 0; i < cc->val->nexc; i++)
		if (exc[i].workday)
			cc->any_work = true;

	cc->bounded = cc->val->first_year > 0 && !cc->val->outside_plain;
	if (cc->val->first_year > 0)
	{
		cc->min_day = date2j(cc->val->first_year, 1, 1) - POSTGRES_EPOCH_JDATE;
		cc->max_day = date2j(cc->val->last_year, 12, 31) - POSTGRES_EPOCH_JDATE;
	}
	if (cc->val->nexc == 0 && !cc->bounded)
	{
		cc->n = 0;
		cc->lo = 0;
	}
	else
	{
		lo = PG_INT32_MAX;
		hi = PG_INT32_MIN;
		if (cc->val->nexc > 0)
		{
			lo = exc[0].day;
			hi = exc[cc->val->nexc - 1].day;
		}
		if (cc->bounded)
		{
			lo = Min(lo, cc->min_day);
			hi = Max(hi, cc->max_day);
		}
		lo -= 7;
		hi += 7;
		if ((int64) hi - lo + 1 > CAL_TABLE_MAX_DAYS)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("calendar \"%s\" spans more than 400 years of exceptional days", cal_label(cc))));
		cc->lo = lo;
		cc->n = hi - lo + 1;
		cc->cum = palloc((cc->n + 1) * sizeof(int32));
		cc->wdpos = palloc(cc->n * sizeof(int32));
		cc->cum[0] = 0;
		for (i = 0, d = 0; d < cc->n; d++)
		{
			int32		day = lo + d;
			bool		work = (cc->weekmask >> cal_weekday(day)) & 1;

			if ((d & 1023) == 0)
				CHECK_FOR_INTERRUPTS();

			while (i < cc->val->nexc && exc[i].day < day)
				i++;
			if (i < cc->val->nexc && exc[i].day == day)
				work = exc[i].workday != 0;
			cc->cum[d + 1] = cc->cum[d] + (work ? 1 : 0);
			if (work)
				cc->wdpos[cc->cum[d]] = d;
		}
	}
	MemoryContextSwitchTo(old);
	return cc;
}

/* ------------------------------------------------------------------ getting the compiled calendar */

typedef struct ValueCache
{
	MemoryContext cxt;
	Size		len;
	char	   *bytes;			/* the argument's bytes (packed or not), to recognise it */
	CalCompiled *cc;
} ValueCache;

static CalCompiled *
cal_from_value_arg(FunctionCallInfo fcinfo, int argno)
{
	ValueCache *vc = (ValueCache *) fcinfo->flinfo->fn_extra;
	Datum		d = PG_GETARG_DATUM(argno);
	struct varlena *raw = (struct varlena *) DatumGetPointer(d);
	Size		len;
	GmCalendar *val;

	/*
	 * Recognise the argument by its bytes as they come: inline (plain or
	 * compressed) values by their bytes, values stored out of line by their
	 * toast pointer, which names an immutable stored value — so a calendar
	 * read from a table column is neither detoasted nor compiled again for
	 * every row.  In-memory (indirect, expanded) pointers are not stable and
	 * are recognised by the detoasted bytes below.
	 */
	if (!VARATT_IS_EXTERNAL(raw) || VARATT_IS_EXTERNAL_ONDISK(raw))
	{
		len = VARSIZE_ANY(raw);
		if (vc != NULL && vc->cc != NULL && vc->len == len && memcmp(vc->bytes, raw, len) == 0)
			return vc->cc;
	}
	val = DatumGetGmCalendarP(d);
	if (vc == NULL)
	{
		vc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(ValueCache));
		vc->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "gm calendar value",
										ALLOCSET_SMALL_SIZES);
		fcinfo->flinfo->fn_extra = vc;
	}
	MemoryContextReset(vc->cxt);
	vc->cc = NULL;
	vc->cc = cal_compile(val, vc->cxt);
	/* remember the argument as it came, or detoasted when it was an in-memory pointer */
	raw = (struct varlena *) DatumGetPointer(d);
	if (VARATT_IS_EXTERNAL(raw) && !VARATT_IS_EXTERNAL_ONDISK(raw))
		raw = (struct varlena *) val;
	vc->len = VARSIZE_ANY(raw);
	vc->bytes = MemoryContextAlloc(vc->cxt, vc->len);
	memcpy(vc->bytes, raw, vc->len);
	return vc->cc;
}

/* per-backend cache of calendars by name */
typedef struct NamedCal
{
	char	   *name;
	CalCompiled *cc;
	struct NamedCal *next;
} NamedCal;

static GmCacheWatch cal_watch = {{"calendar_def", "calendar_day", "calendar_year", "calendar_compiled"}};
static MemoryContext named_cxt = NULL;
static NamedCal *named_list = NULL;
static uint64 named_generation = 1;

/*
 * The stored text form of a calendar, read straight from gm.calendar_compiled
 * with a heap scan (no SPI, and no index: a cold session would otherwise
 * parse and plan a query, or open the primary key, first, several times the
 * cost of reading the few rows of the table).  NULL when the calendar has no
 * stored form.  Same snapshot rule as gm_cache_read_begin().
 */
static char *
cal_stored_text(const char *name, bool latest)
{
	Oid			relid = cal_watch.relids[3];
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	Size		len = strlen(name);
	char	   *result = NULL;

	if (!OidIsValid(relid))
		return NULL;
	snap = RegisterSnapshot(latest ? GetLatestSnapshot() : GetActiveSnapshot());
	rel = table_open(relid, AccessShareLock);
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, 1, RelationGetDescr(rel), &isnull);
		text	   *t;

		if (isnull)
			continue;
		t = DatumGetTextPP(d);
		if (VARSIZE_ANY_EXHDR(t) != len || memcmp(VARDATA_ANY(t), name, len) != 0)
			continue;
		d = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
		if (!isnull)
			result = TextDatumGetCString(d);
		break;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
	return result;
}

/*
 * The text form assembled from the calendar tables (gm._calendar_text), for a
 * calendar whose stored form is missing; copied into the caller's context.
 */
static char *
cal_assembled_text(const char *name)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	bool		isnull = true;
	char	   *result;
	int			ret;

	args[0] = CStringGetTextDatum(name);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT gm._calendar_text($1)", 1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "reading calendar \"%s\" failed", name);
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("calendar \"%s\" does not exist", name),
				 errhint("Create it with gm.create_calendar(name, time_zone, working_hours).")));
	result = MemoryContextStrdup(caller, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	SPI_finish();
	return result;
}

static CalCompiled *
cal_lookup_name(const char *name)
{
	NamedCal   *e;
	MemoryContext old;
	char	   *txt;
	GmCalendar *val;
	bool		pushed;

	if (!gm_cache_valid(&cal_watch))
	{
		if (named_cxt == NULL)
			named_cxt = AllocSetContextCreate(TopMemoryContext, "gm calendars by name",
											  ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(named_cxt);
		named_list = NULL;
		named_generation++;
		/* emptying the list is a complete build: entries are added one by one, linked only once compiled */
		(void) gm_cache_begin_rebuild(&cal_watch);
		gm_cache_end_rebuild(&cal_watch);
	}
	for (e = named_list; e != NULL; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e->cc;

	/* read under the latest snapshot, not the statement's (see gm.h) */
	pushed = gm_cache_read_begin(&cal_watch);
	/* the text form kept by the triggers; assembled from the tables when missing */
	txt = cal_stored_text(name, pushed);
	if (txt == NULL)
		txt = cal_assembled_text(name);
	gm_cache_read_end(pushed);

	old = MemoryContextSwitchTo(named_cxt);
	val = cal_from_text_opt(txt, false);
	e = palloc(sizeof(NamedCal));
	e->name = pstrdup(name);
	e->cc = cal_compile(val, named_cxt);
	e->next = named_list;
	named_list = e;
	MemoryContextSwitchTo(old);
	return e->cc;
}

typedef struct NameCache
{
	uint64		generation;
	char	   *name;
	Size		len;
	bool		constant;		/* the name is a constant of the expression */
	CalCompiled *cc;
} NameCache;

/* is argument argno of the call a Const (the same value in every call of this FmgrInfo)? */
static bool
arg_is_const(FmgrInfo *flinfo, int argno)
{
	Node	   *e = flinfo->fn_expr;
	List	   *args;

	if (e == NULL || !IsA(e, FuncExpr))
		return false;
	args = ((FuncExpr *) e)->args;
	return argno < list_length(args) && IsA(list_nth(args, argno), Const);
}

static CalCompiled *
cal_from_name_arg(FunctionCallInfo fcinfo, int argno)
{
	NameCache  *nc = (NameCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw;
	text	   *t;

	/* a constant name (the usual call per row): no comparison at all */
	if (nc != NULL && nc->constant && nc->cc != NULL && nc->generation == named_generation &&
		gm_cache_valid(&cal_watch))
		return nc->cc;
	raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	/* the call per row: the same name as last time, read in place unless toasted */
	t = (VARATT_IS_EXTENDED(raw) && !VARATT_IS_SHORT(raw)) ? PG_GETARG_TEXT_PP(argno) : (text *) raw;
	if (nc != NULL && nc->cc != NULL && nc->generation == named_generation &&
		gm_cache_valid(&cal_watch) &&
		VARSIZE_ANY_EXHDR(t) == nc->len &&
		memcmp(VARDATA_ANY(t), nc->name, nc->len) == 0)
		return nc->cc;
	if (nc == NULL)
	{
		nc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(NameCache));
		fcinfo->flinfo->fn_extra = nc;
	}
	else if (nc->name)
		pfree(nc->name);
	nc->name = MemoryContextStrdup(fcinfo->flinfo->fn_mcxt, text_to_cstring(t));
	nc->len = strlen(nc->name);
	nc->cc = cal_lookup_name(nc->name);
	nc->generation = named_generation;
	nc->constant = arg_is_const(fcinfo->flinfo, argno);
	return nc->cc;
}

#define GET_CAL(argno) \
	(byname ? cal_from_name_arg(fcinfo, (argno)) : cal_from_value_arg(fcinfo, (argno)))

/* every function has a value entry point (fn) and a name entry point (fn_name) */
#define CAL_PAIR(fn) \
	PG_FUNCTION_INFO_V1(fn); \
	Datum fn(PG_FUNCTION_ARGS) { return fn##_impl(fcinfo, false); } \
	PG_FUNCTION_INFO_V1(fn##_name); \
	Datum fn##_name(PG_FUNCTION_ARGS) { return fn##_impl(fcinfo, true); }

/* gm.calendar(name) */
static Datum
calendar_copy(CalCompiled *cc)
{
	GmCalendar *copy = palloc(VARSIZE(cc->val));

	memcpy(copy, cc->val, VARSIZE(cc->val));
	PG_RETURN_POINTER(copy);
}

PG_FUNCTION_INFO_V1(gm_calendar_by_name);
Datum
gm_calendar_by_name(PG_FUNCTION_ARGS)
{
	return calendar_copy(cal_from_name_arg(fcinfo, 0));
}

/* gm.calendar('cn'): declared on type unknown, whose literal arrives as a C string */
PG_FUNCTION_INFO_V1(gm_calendar_by_name_unknown);
Datum
gm_calendar_by_name_unknown(PG_FUNCTION_ARGS)
{
	return calendar_copy(cal_lookup_name(PG_GETARG_CSTRING(0)));
}

/* ------------------------------------------------------------------ days */

static void
cal_check_day(const CalCompiled *cc, int32 day, int32 from)
{
	if (cc->bounded && (day < cc->min_day || day > cc->max_day))
	{
		char		b[16],
					f[16];

		cal_date_str(day, b);
		cal_date_str(from, f);
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("calendar \"%s\" has official data for %d to %d only: %s is outside (last known year %d)",
						cal_label(cc), cc->val->first_year, cc->val->last_year, b, cc->val->last_year),
				 day != from ? errdetail("Counting from %s reaches %s.", f, b) : 0,
				 errhint("Apply the notice for that year with gm.apply_holiday_notice(), or allow plain weeks with gm.set_calendar_outside_years(calendar, 'plain').")));
	}
}

static void
cal_require_work(const CalCompiled *cc)
{
	if (!cc->any_work)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("calendar \"%s\" has no working time", cal_label(cc)),
				 errhint("Give the calendar weekly working hours, or base it on a calendar that has them.")));
}

static inline bool
plain_work(const CalCompiled *cc, int32 day)
{
	return (cc->weekmask >> cal_weekday(day)) & 1;
}

static bool
cal_is_work(const CalCompiled *cc, int32 day)
{
	if (cc->n > 0 && day >= cc->lo && day < cc->lo + cc->n)
		return cc->cum[day - cc->lo + 1] != cc->cum[day - cc->lo];
	return plain_work(cc, day);
}

static void
no_more_work(const CalCompiled *cc, int32 day, bool after)
{
	char		b[16];

	cal_date_str(day, b);
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("calendar \"%s\" has no working day %s %s", cal_label(cc), after ? "after" : "before", b),
			 errdetail("Its weekly hours are empty; only listed days are working days."),
			 errhint("Give the calendar weekly working hours, or list working days further out.")));
}

static void
check_date_range(int64 day)
{
	if (day < (int64) (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE) ||
		day >= (int64) (DATE_END_JULIAN - POSTGRES_EPOCH_JDATE))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range")));
}

/* working days in [a, b] by the weekly pattern */
static int64
plain_count(const CalCompiled *cc, int32 a, int32 b)
{
	int64		len,
				cnt;
	int32		day;

	if (b < a)
		return 0;
	len = (int64) b - a + 1;
	cnt = (len / 7) * cc->wcount;
	for (day = a + (int32) ((len / 7) * 7); day <= b; day++)
		cnt += plain_work(cc, day);
	return cnt;
}

static int32
plain_nth_after(const CalCompiled *cc, int32 d, int64 n)
{
	int64		day = d,
				full;

	if (cc->wcount == 0)
		no_more_work(cc, d, true);
	full = (n - 1) / cc->wcount;
	day += 7 * full;
	n -= full * cc->wcount;		/* 1 .. wcount */
	check_date_range(day);
	day += cc->after[cal_weekday((int32) day)][n];
	check_date_range(day);
	return (int32) day;
}

static int32
plain_nth_before(const CalCompiled *cc, int32 d, int64 n)
{
	int64		day = d,
				full;

	if (cc->wcount == 0)
		no_more_work(cc, d, false);
	full = (n - 1) / cc->wcount;
	day -= 7 * full;
	n -= full * cc->wcount;		/* 1 .. wcount */
	check_date_range(day);
	day -= cc->before[cal_weekday((int32) day)][n];
	check_date_range(day);
	return (int32) day;
}

/* the n-th (n >= 1) working day strictly after d */
static int32
cal_nth_after(const CalCompiled *cc, int32 d, int64 n)
{
	int32		day = d;
	int32		hi = cc->lo + cc->n - 1;

	if (cc->n == 0)
		return plain_nth_after(cc, d, n);
	if (day < cc->lo - 1)
	{
		int64		cnt = plain_count(cc, day + 1, cc->lo - 1);

		if (n <= cnt)
			return plain_nth_after(cc, day, n);
		n -= cnt;
		day = cc->lo - 1;
	}
	if (day < hi)
	{
		int32		idx = cc->cum[day + 1 - cc->lo];
		int32		avail = cc->cum[cc->n] - idx;

		if (n <= avail)
			return cc->lo + cc->wdpos[idx + n - 1];
		n -= avail;
		day = hi;
	}
	return plain_nth_after(cc, day, n);
}

/* the n-th (n >= 1) working day strictly before d */
static int32
cal_nth_before(const CalCompiled *cc, int32 d, int64 n)
{
	int32		day = d;
	int32		hi = cc->lo + cc->n - 1;

	if (cc->n == 0)
		return plain_nth_before(cc, d, n);
	if (day > hi + 1)
	{
		int64		cnt = plain_count(cc, hi + 1, day - 1);

		if (n <= cnt)
			return plain_nth_before(cc, day, n);
		n -= cnt;
		day = hi + 1;
	}
	if (day > cc->lo)
	{
		int32		idx = cc->cum[day - cc->lo];	/* working days in [lo, day-1] */

		if (n <= idx)
			return cc->lo + cc->wdpos[idx - n];
		n -= idx;
		day = cc->lo;
	}
	return plain_nth_before(cc, day, n);
}

static int32
cal_add_days(const CalCompiled *cc, int32 d, int32 n)
{
	int32		r;

	cal_check_day(cc, d, d);
	cal_require_work(cc);
	if (n == 0)
		r = cal_is_work(cc, d) ? d : cal_nth_after(cc, d, 1);
	else if (n > 0)
		r = cal_nth_after(cc, d, n);
	else
		r = cal_nth_before(cc, d, -(int64) n);
	cal_check_day(cc, r, d);
	return r;
}

/* working days in [a, b] */
static int64
cal_count(const CalCompiled *cc, int32 a, int32 b)
{
	int64		cnt = 0;
	int32		hi = cc->lo + cc->n - 1;

	if (b < a)
		return 0;
	if (cc->n == 0)
		return plain_count(cc, a, b);
	if (a < cc->lo)
		cnt += plain_count(cc, a, Min(b, cc->lo - 1));
	if (b > hi)
		cnt += plain_count(cc, Max(a, hi + 1), b);
	if (b >= cc->lo && a <= hi)
	{
		int32		x = Max(a, cc->lo),
					y = Min(b, hi);

		cnt += cc->cum[y - cc->lo + 1] - cc->cum[x - cc->lo];
	}
	return cnt;
}

static void
check_finite_date(DateADT d)
{
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a calendar date must be finite")));
}

static Datum
gm_is_workday_impl(FunctionCallInfo fcinfo, bool byname)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalCompiled *cc = GET_CAL(1);

	check_finite_date(d);
	cal_check_day(cc, d, d);
	PG_RETURN_BOOL(cal_is_work(cc, d));
}
CAL_PAIR(gm_is_workday)

static Datum
gm_add_working_days_impl(FunctionCallInfo fcinfo, bool byname)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	int32		n = PG_GETARG_INT32(1);
	CalCompiled *cc = GET_CAL(2);

	check_finite_date(d);
	PG_RETURN_DATEADT(cal_add_days(cc, d, n));
}
CAL_PAIR(gm_add_working_days)

static Datum
gm_working_days_between_impl(FunctionCallInfo fcinfo, bool byname)
{
	DateADT		a = PG_GETARG_DATEADT(0);
	DateADT		b = PG_GETARG_DATEADT(1);
	CalCompiled *cc = GET_CAL(2);

	check_finite_date(a);
	check_finite_date(b);
	cal_check_day(cc, a, a);
	cal_check_day(cc, b, a);
	if (b < a)
		PG_RETURN_INT32((int32) -cal_count(cc, b, a));
	PG_RETURN_INT32((int32) cal_count(cc, a, b));
}
CAL_PAIR(gm_working_days_between)

/* ------------------------------------------------------------------ working time */

/* windows of a day */
static const CalWindow *
cal_day_windows(const CalCompiled *cc, int32 day, int *nwin)
{
	const GmCalendar *v = cc->val;
	const CalException *exc = CAL_EXC(v);
	int			lo = 0,
				hi = v->nexc - 1;
	int			wd = cal_weekday(day);

	if (cc->n > 0 && day >= cc->lo && day < cc->lo + cc->n)
	{
		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;

			if (exc[mid].day < day)
				lo = mid + 1;
			else if (exc[mid].day > day)
				hi = mid - 1;
			else
			{
				if (!exc[mid].workday)
				{
					*nwin = 0;
					return NULL;
				}
				if (exc[mid].nwin > 0)
				{
					*nwin = exc[mid].nwin;
					return CAL_WIN(v) + exc[mid].win_off;
				}
				if (v->wnwin[wd] == 0)
					wd = cc->defday;	/* a make-up day borrows the default windows */
				*nwin = v->wnwin[wd];
				return CAL_WIN(v) + v->wwin_off[wd];
			}
		}
	}
	*nwin = v->wnwin[wd];
	return CAL_WIN(v) + v->wwin_off[wd];
}

/* the days whose windows are representable instants, with a day's margin for the offset */
#define CAL_TS_FIRST_DAY ((int32) (DATETIME_MIN_JULIAN - POSTGRES_EPOCH_JDATE + 1))
#define CAL_TS_LAST_DAY ((int32) (TIMESTAMP_END_JULIAN - POSTGRES_EPOCH_JDATE - 2))

static TimestampTz
local_to_utc(const CalCompiled *cc, int32 day, int minute)
{
	struct pg_tm tm;
	int			tzoff;
	Timestamp	r;

	if (minute >= CAL_MINUTES_PER_DAY)
	{
		day++;
		minute -= CAL_MINUTES_PER_DAY;
	}
	/* inside the last span of the zone's one offset: local time minus that offset */
	if (cc->span.tz != NULL && day > CAL_TS_FIRST_DAY && day < CAL_TS_LAST_DAY)
	{
		r = ((TimestampTz) day * SECS_PER_DAY + minute * SECS_PER_MINUTE - cc->span.off) * USECS_PER_SEC;
		if (gm_tz_span_inner(&cc->span, r))
			return r;
	}
	memset(&tm, 0, sizeof(tm));
	j2date(day + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tzoff = DetermineTimeZoneOffset(&tm, cal_tz(cc));
	if (tm2timestamp(&tm, 0, &tzoff, &r) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return r;
}

static int32
utc_to_local_day(const CalCompiled *cc, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	long		off;

	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a working-time timestamp must be finite")));
	if (gm_tz_span(&((CalCompiled *) cc)->span, cal_tz(cc), t, &off))
	{
		int64		local = t / USECS_PER_SEC + off;

		if (t % USECS_PER_SEC < 0)
			local--;
		return (int32) (local >= 0 ? local / SECS_PER_DAY : -((-local + SECS_PER_DAY - 1) / SECS_PER_DAY));
	}
	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, cal_tz(cc)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

static Interval *
usecs_interval(int64 us)
{
	Interval   *r = palloc0(sizeof(Interval));

	r->time = us;
	return r;
}

/* an interval as microseconds (a day counts as 24 hours); 22008 when that does not fit */
static int64
interval_usecs(const Interval *iv)
{
	int64		us;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("a working-time amount must not contain months or years"),
				 errhint("Count in hours (a day counts as 24 hours), or use gm.add_working_days.")));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &us) ||
		pg_add_s64_overflow(us, iv->time, &us) || us == PG_INT64_MIN)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("working-time amount \"%s\" is out of range",
						DatumGetCString(DirectFunctionCall1(interval_out, PointerGetDatum(iv)))),
				 errdetail("An amount counts a day as 24 hours and must stay within 2562047788 hours.")));
	return us;
}

/* is day beyond every exceptional day, where only the weekly pattern applies? */
static inline bool
beyond_table(const CalCompiled *cc, int32 day, bool after)
{
	if (cc->n == 0)
		return true;
	return after ? day >= cc->lo + cc->n : day < cc->lo;
}

/* ------------------------------------------------------------------ long spans
 *
 * The working time of a run of whole days is its nominal working time (the
 * minutes of its windows: a constant per plain week, cumulative counts over
 * the listed days) plus a correction on the few days a change of the zone's
 * UTC offset touches (a window across a DST change is shorter or longer).  The
 * correction walks the zone's transitions with pg_next_dst_boundary, marking
 * only the days around each; before CAL_PAST_YEAR and from CAL_FUTURE_YEAR on,
 * PostgreSQL's zone code is periodic with the 400-year Gregorian cycle (146097
 * days, a whole number of weeks: its rules are extrapolated by that cycle, and
 * its tables lie between those years), so plain days there count by whole
 * cycles and only a remainder is walked.  The periodicity is checked per
 * calendar (two consecutive cycles must agree); where it does not hold, the
 * whole span is walked.  So the cost is bounded by the calendar and its zone,
 * not by the span; every walk honours cancel and statement_timeout.
 */
#define CAL_CYCLE_DAYS 146097
#define CAL_PAST_YEAR 1600
#define CAL_FUTURE_YEAR 2500
/* add_working_time skips whole days arithmetically from this remaining amount on */
#define CAL_SKIP_MIN_AMOUNT (64 * USECS_PER_HOUR)
#define CAL_SKIP_MIN_DAYS 28

static inline pg_time_t
day_unix_secs(int32 day)		/* UTC midnight starting the day */
{
	return ((pg_time_t) day + POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

static inline int32
unix_secs_day(pg_time_t t)
{
	pg_time_t	q = t / SECS_PER_DAY;

	if (t % SECS_PER_DAY < 0)
		q--;
	return (int32) (q - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE));
}

/* the windows of a day; plain: by the weekly pattern, ignoring listed days */
static const CalWindow *
span_windows(const CalCompiled *cc, int32 day, bool plain, int *nw)
{
	if (plain)
	{
		int			wd = cal_weekday(day);

		*nw = cc->val->wnwin[wd];
		return CAL_WIN(cc->val) + cc->val->wwin_off[wd];
	}
	return cal_day_windows(cc, day, nw);
}

/* working time of a whole day minus its nominal working time: nonzero on DST days only */
static int64
day_correction(const CalCompiled *cc, int32 day, bool plain)
{
	int			nw,
				i;
	const CalWindow *w = span_windows(cc, day, plain, &nw);
	int64		r = 0;

	for (i = 0; i < nw; i++)
	{
		TimestampTz s = local_to_utc(cc, day, w[i].start),
					e = local_to_utc(cc, day, w[i].end);

		r += Max(e - s, 0) - (int64) (w[i].end - w[i].start) * USECS_PER_MINUTE;
	}
	return r;
}

/* the correction of the whole days [d1, d2], walking the zone's offset changes */
static int64
span_walk(const CalCompiled *cc, int32 d1, int32 d2, bool plain)
{
	const pg_tz *tz = cal_tz(cc);
	pg_time_t	t = day_unix_secs(d1 - 2),
				tend = day_unix_secs(d2 + 3);
	int32		done = d1 - 1;
	int64		corr = 0;

	while (d1 <= d2)
	{
		long int	before_off,
					after_off;
		int			before_dst,
					after_dst;
		pg_time_t	bound;

		CHECK_FOR_INTERRUPTS();
		if (pg_next_dst_boundary(&t, &before_off, &before_dst, &bound,
								 &after_off, &after_dst, tz) != 1 || bound >= tend)
			break;
		if (before_off != after_off)
		{
			/* local days around the change; a window ending at 24:00 reaches the next day */
			int32		x = unix_secs_day(bound + Min(before_off, after_off)) - 1,
						y = unix_secs_day(bound + Max(before_off, after_off));

			x = Max(x, Max(done + 1, d1));
			y = Min(y, d2);
			for (; x <= y; x++)
				corr += day_correction(cc, x, plain);
			done = Max(done, y);
		}
		/*
		 * Ask again from the second after the change: asked at exactly the
		 * image of the zone table's last change in a later 400-year cycle,
		 * pg_next_dst_boundary answers "no further change".
		 */
		t = bound + 1;
	}
	return corr;
}

/* the correction of 400 plain years before CAL_PAST_YEAR (0) or from CAL_FUTURE_YEAR on (1) */
static bool
span_cycle(CalCompiled *cc, int which, int64 *corr)
{
	if (!cc->cyc_done[which])
	{
		int32		first = which ? date2j(CAL_FUTURE_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE
			: date2j(CAL_PAST_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE - CAL_CYCLE_DAYS;
		int32		next = which ? first + CAL_CYCLE_DAYS : first - CAL_CYCLE_DAYS;
		int64		c = span_walk(cc, first, first + CAL_CYCLE_DAYS - 1, true);

		cc->cyc_ok[which] = c == span_walk(cc, next, next + CAL_CYCLE_DAYS - 1, true);
		cc->cyc_corr[which] = c;
		cc->cyc_done[which] = true;
	}
	*corr = cc->cyc_corr[which];
	return cc->cyc_ok[which];
}

/* cumulative nominal minutes over the table of listed days, built on first use */
static void
span_cum_min(CalCompiled *cc)
{
	int64	   *cm;
	int32		d;

	if (cc->cum_min != NULL || cc->n == 0)
		return;
	cm = MemoryContextAlloc(cc->cxt, (cc->n + 1) * sizeof(int64));
	cm[0] = 0;
	for (d = 0; d < cc->n; d++)
	{
		int			nw,
					i;
		const CalWindow *w = cal_day_windows(cc, cc->lo + d, &nw);

		if ((d & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
		cm[d + 1] = cm[d];
		for (i = 0; i < nw; i++)
			cm[d + 1] += w[i].end - w[i].start;
	}
	cc->cum_min = cm;
}

static int64
plain_minutes(const CalCompiled *cc, int32 a, int32 b)
{
	int64		len,
				r;
	int32		day;

	if (b < a)
		return 0;
	len = (int64) b - a + 1;
	r = (len / 7) * cc->wk_min;
	for (day = a + (int32) ((len / 7) * 7); day <= b; day++)
		r += cc->wmin[cal_weekday(day)];
	return r;
}

/* nominal working minutes of the days [a, b], listed days with their own windows */
static int64
nominal_minutes(CalCompiled *cc, int32 a, int32 b)
{
	int32		hi = cc->lo + cc->n - 1;
	int64		r = 0;

	if (b < a)
		return 0;
	if (cc->n == 0)
		return plain_minutes(cc, a, b);
	span_cum_min(cc);
	if (a < cc->lo)
		r += plain_minutes(cc, a, Min(b, cc->lo - 1));
	if (b > hi)
		r += plain_minutes(cc, Max(a, hi + 1), b);
	if (b >= cc->lo && a <= hi)
	{
		int32		x = Max(a, cc->lo),
					y = Min(b, hi);

		r += cc->cum_min[y - cc->lo + 1] - cc->cum_min[x - cc->lo];
	}
	return r;
}

/* the correction of [a, b], a piece entirely inside or outside the table and each year range */
static int64
span_piece(CalCompiled *cc, int32 a, int32 b, int32 past, int32 fut)
{
	bool		listed = cc->n > 0 && a >= cc->lo && a < cc->lo + cc->n;
	int			which = b < past ? 0 : a >= fut ? 1 : -1;
	int64		len = (int64) b - a + 1,
				cyc;

	if (!listed && which >= 0 && len >= CAL_CYCLE_DAYS && span_cycle(cc, which, &cyc))
	{
		int64		k = len / CAL_CYCLE_DAYS;

		return k * cyc + span_walk(cc, (int32) (a + k * CAL_CYCLE_DAYS), b, false);
	}
	return span_walk(cc, a, b, false);
}

static int64
span_correction(CalCompiled *cc, int32 d1, int32 d2)
{
	int32		past = date2j(CAL_PAST_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE,
				fut = date2j(CAL_FUTURE_YEAR, 1, 1) - POSTGRES_EPOCH_JDATE;
	int32		cuts[5];
	int			ncut = 0,
				i,
				j;
	int32		from = d1;
	int64		corr = 0;

	cuts[ncut++] = past;
	cuts[ncut++] = fut;
	if (cc->n > 0)
	{
		cuts[ncut++] = cc->lo;
		cuts[ncut++] = cc->lo + cc->n;
	}
	for (i = 1; i < ncut; i++)
		for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--)
		{
			int32		t = cuts[j];

			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	cuts[ncut++] = d2 + 1;
	for (i = 0; i < ncut && from <= d2; i++)
		if (cuts[i] > from)
		{
			int32		to = Min(cuts[i], d2 + 1) - 1;

			corr += span_piece(cc, from, to, past, fut);
			from = to + 1;
		}
	return corr;
}

/* working time of the whole days [a, b] in microseconds; false when beyond int64 */
static bool
span_sum(CalCompiled *cc, int32 a, int32 b, int64 *result)
{
	int64		us;

	if (b < a)
	{
		*result = 0;
		return true;
	}
	if (pg_mul_s64_overflow(nominal_minutes(cc, a, b), USECS_PER_MINUTE, &us))
		return false;
	return !pg_add_s64_overflow(us, span_correction(cc, a, b), result);
}

/*
 * Skip whole days from day on (forward: [day, day+j-1]; backward: [day-j+1,
 * day]) whose working time is less than *amt: j from the nominal minutes less
 * two weeks for DST corrections, checked with span_sum.  Never beyond limit,
 * so that the caller's day loop raises its own errors past it.
 */
static int32
skip_days(CalCompiled *cc, int32 day, int64 *amt, bool fwd, int32 limit)
{
	int64		lo = 0,
				hi = fwd ? (int64) limit - day + 1 : (int64) day - limit + 1,
				j,
				s;

	if (*amt < CAL_SKIP_MIN_AMOUNT || hi < CAL_SKIP_MIN_DAYS)
		return day;
	while (lo < hi)
	{
		int64		mid = lo + (hi - lo + 1) / 2,
					us;
		int64		m = fwd ? nominal_minutes(cc, day, (int32) (day + mid - 1))
			: nominal_minutes(cc, (int32) (day - mid + 1), day);

		if (!pg_mul_s64_overflow(m, USECS_PER_MINUTE, &us) && us < *amt)
			lo = mid;
		else
			hi = mid - 1;
	}
	for (j = lo - 14; j >= CAL_SKIP_MIN_DAYS; j /= 2)
	{
		int32		a = fwd ? day : (int32) (day - j + 1),
					b = fwd ? (int32) (day + j - 1) : day;

		if (span_sum(cc, a, b, &s) && s < *amt)
		{
			*amt -= s;
			return fwd ? b + 1 : a - 1;
		}
	}
	return day;
}

static void
add_time_out_of_range(const CalCompiled *cc, TimestampTz ts, int64 amt)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("working-time result out of range: %s %s %s of working time on calendar \"%s\"",
					timestamptz_to_str(ts), amt >= 0 ? "+" : "-",
					DatumGetCString(DirectFunctionCall1(interval_out,
														PointerGetDatum(usecs_interval(amt >= 0 ? amt : -amt)))),
					cal_label(cc))));
}

static TimestampTz
cal_add_time(const CalCompiled *cc, TimestampTz ts, int64 amt)
{
	CalCompiled *ccw = (CalCompiled *) cc;	/* for the parts built on first use */
	int32		start = utc_to_local_day(cc, ts);
	int32		day = start;
	int64		given = amt;
	int32		limit;

	cal_require_work(cc);
	if (amt >= 0)
	{
		limit = CAL_TS_LAST_DAY;
		if (cc->bounded)
			limit = Min(limit, cc->max_day);
		if (cc->wcount == 0)
			limit = Min(limit, cc->lo + cc->n - 1);
		for (;; day++)
		{
			int			nw,
						i;
			const CalWindow *w;

			CHECK_FOR_INTERRUPTS();
			/* whole days after ts's day: count them arithmetically while far from the result */
			if (day >= start + 2 && (day - start) % 64 == 2)
				day = skip_days(ccw, day, &amt, true, limit);
			cal_check_day(cc, day, start);
			if (cc->wcount == 0 && beyond_table(cc, day, true))
				no_more_work(cc, day, true);
			if (day > CAL_TS_LAST_DAY + 1)
				add_time_out_of_range(cc, ts, given);
			w = cal_day_windows(cc, day, &nw);
			for (i = 0; i < nw; i++)
			{
				TimestampTz s = local_to_utc(cc, day, w[i].start),
							e = local_to_utc(cc, day, w[i].end),
							st;

				if (e < ts)
					continue;
				st = Max(s, ts);
				if (e < st)
					continue;
				if (amt <= e - st)
					return st + amt;
				amt -= e - st;
			}
		}
	}
	amt = -amt;
	limit = CAL_TS_FIRST_DAY;
	if (cc->bounded)
		limit = Max(limit, cc->min_day);
	if (cc->wcount == 0)
		limit = Max(limit, cc->lo);
	for (;; day--)
	{
		int			nw,
					i;
		const CalWindow *w;

		CHECK_FOR_INTERRUPTS();
		if (day <= start - 2 && (start - day) % 64 == 2)
			day = skip_days(ccw, day, &amt, false, limit);
		cal_check_day(cc, day, start);
		if (cc->wcount == 0 && beyond_table(cc, day, false))
			no_more_work(cc, day, false);
		if (day < CAL_TS_FIRST_DAY - 1)
			add_time_out_of_range(cc, ts, given);
		w = cal_day_windows(cc, day, &nw);
		for (i = nw - 1; i >= 0; i--)
		{
			TimestampTz s = local_to_utc(cc, day, w[i].start),
						e = local_to_utc(cc, day, w[i].end),
						en;

			if (s > ts)
				continue;
			en = Min(e, ts);
			if (en < s)
				continue;
			if (amt <= en - s)
				return en - amt;
			amt -= en - s;
		}
	}
}

/* the working time of one day inside [a, b] */
static int64
day_between(const CalCompiled *cc, int32 day, TimestampTz a, TimestampTz b)
{
	int			nw,
				i;
	const CalWindow *w = cal_day_windows(cc, day, &nw);
	int64		sum = 0;

	for (i = 0; i < nw; i++)
	{
		TimestampTz s = Max(local_to_utc(cc, day, w[i].start), a),
					e = Min(local_to_utc(cc, day, w[i].end), b);

		if (e > s)
			sum += e - s;
	}
	return sum;
}

/*
 * Working time in [a, b] (a <= b), microseconds; false when beyond int64.  The
 * two days at each end are counted window by window, those between as a span.
 */
static bool
cal_between(CalCompiled *cc, TimestampTz a, TimestampTz b, int64 *result)
{
	int32		da = utc_to_local_day(cc, a),
				db = utc_to_local_day(cc, b),
				day;
	int64		sum = 0,
				mid;

	cal_check_day(cc, da, da);
	cal_check_day(cc, db, da);
	if ((int64) db - da < 8)
	{
		for (day = da; day <= db; day++)
			sum += day_between(cc, day, a, b);
		*result = sum;
		return true;
	}
	sum = day_between(cc, da, a, b) + day_between(cc, da + 1, a, b) +
		day_between(cc, db - 1, a, b) + day_between(cc, db, a, b);
	if (!span_sum(cc, da + 2, db - 2, &mid))
		return false;
	return !pg_add_s64_overflow(sum, mid, result);
}

static Datum
gm_add_working_time_impl(FunctionCallInfo fcinfo, bool byname)
{
	TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
	Interval   *iv = PG_GETARG_INTERVAL_P(1);
	CalCompiled *cc = GET_CAL(2);

	PG_RETURN_TIMESTAMPTZ(cal_add_time(cc, ts, interval_usecs(iv)));
}
CAL_PAIR(gm_add_working_time)

static Datum
gm_working_time_between_impl(FunctionCallInfo fcinfo, bool byname)
{
	TimestampTz a = PG_GETARG_TIMESTAMPTZ(0);
	TimestampTz b = PG_GETARG_TIMESTAMPTZ(1);
	CalCompiled *cc = GET_CAL(2);
	int64		us;

	if (b < a ? !cal_between(cc, b, a, &us) : !cal_between(cc, a, b, &us))
	{
		char	   *sa = pstrdup(timestamptz_to_str(a));

		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("working time between %s and %s on calendar \"%s\" is out of range for type interval",
						sa, timestamptz_to_str(b), cal_label(cc)),
				 errdetail("An interval holds at most 2562047788 hours of working time.")));
	}
	PG_RETURN_INTERVAL_P(usecs_interval(b < a ? -us : us));
}
CAL_PAIR(gm_working_time_between)

/* end of the last working window of a working day; NULL on a closed day */
static Datum
gm_working_day_end_impl(FunctionCallInfo fcinfo, bool byname)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalCompiled *cc = GET_CAL(1);
	int			nw;
	const CalWindow *w;

	check_finite_date(d);
	cal_check_day(cc, d, d);
	if (!cal_is_work(cc, d))
		PG_RETURN_NULL();
	w = cal_day_windows(cc, d, &nw);
	if (nw == 0)
		PG_RETURN_NULL();
	PG_RETURN_TIMESTAMPTZ(local_to_utc(cc, d, w[nw - 1].end));
}
CAL_PAIR(gm_working_day_end)

/* the time zone of a calendar (for SQL helpers) */
static Datum
gm_calendar_time_zone_impl(FunctionCallInfo fcinfo, bool byname)
{
	CalCompiled *cc = GET_CAL(0);

	PG_RETURN_TEXT_P(cstring_to_text(CAL_TZ(cc->val)));
}
CAL_PAIR(gm_calendar_time_zone)

/* official years of a calendar value: int4range or NULL */
static Datum
gm_calendar_years_impl(FunctionCallInfo fcinfo, bool byname)
{
	CalCompiled *cc = GET_CAL(0);
	int32		r[2];
	Datum		elems[2];
	ArrayType  *arr;

	if (cc->val->first_year == 0)
		PG_RETURN_NULL();
	r[0] = cc->val->first_year;
	r[1] = cc->val->last_year;
	elems[0] = Int32GetDatum(r[0]);
	elems[1] = Int32GetDatum(r[1]);
	arr = construct_array(elems, 2, INT4OID, 4, true, TYPALIGN_INT);
	PG_RETURN_ARRAYTYPE_P(arr);
}
CAL_PAIR(gm_calendar_years)

/* working day by the weekly pattern alone (no holidays, no make-up days) */
static Datum
gm_plain_workday_impl(FunctionCallInfo fcinfo, bool byname)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalCompiled *cc = GET_CAL(1);

	check_finite_date(d);
	PG_RETURN_BOOL(plain_work(cc, d));
}
CAL_PAIR(gm_plain_workday)

/* ------------------------------------------------------------------ for other domains (calendar.h) */

CalCompiled *
gm_cal_compile(const GmCalendar *val, MemoryContext cxt)
{
	return cal_compile(val, cxt);
}

/*
 * working_day_end(add_working_days((start AT TIME ZONE tz)::date, days)): the
 * end of the working time of the days-th working day after the local day of
 * start (0: that day if it works, else the next working day).  false when
 * that day has no working window (as working_day_end's NULL).
 */
bool
gm_cal_due_working_days(CalCompiled *cc, TimestampTz start, int32 days, TimestampTz *due)
{
	int32		from,
				d;
	int			nw;
	const CalWindow *w;
	uint32		slot;

	if (TIMESTAMP_NOT_FINITE(start))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a working-day start must be finite")));
	from = utc_to_local_day(cc, start);
	/* orders open in a stretch of days ask again and again: the answer depends on these two only */
	slot = ((uint32) from * 31u + (uint32) days) & (lengthof(cc->due_memo) - 1);
	if (cc->due_memo[slot].state != 0 && cc->due_memo[slot].start == from && cc->due_memo[slot].days == days)
	{
		*due = cc->due_memo[slot].due;
		return cc->due_memo[slot].state == 1;
	}
	d = cal_add_days(cc, from, days);
	cal_check_day(cc, d, d);
	if (!cal_is_work(cc, d) || (w = cal_day_windows(cc, d, &nw), nw == 0))
	{
		cc->due_memo[slot].state = 2;
		*due = 0;
	}
	else
	{
		*due = local_to_utc(cc, d, w[nw - 1].end);
		cc->due_memo[slot].state = 1;
	}
	cc->due_memo[slot].start = from;
	cc->due_memo[slot].days = days;
	cc->due_memo[slot].due = *due;
	return cc->due_memo[slot].state == 1;
}

/* gm.add_working_time(ts, amount, calendar) */
TimestampTz
gm_cal_add_working_time(CalCompiled *cc, TimestampTz ts, const Interval *amount)
{
	return cal_add_time(cc, ts, interval_usecs(amount));
}
