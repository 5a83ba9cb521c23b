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

#include "access/heapam.h"
#include "access/tableam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "executor/spi.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/* the compiled calendar: value + a table of cumulative working-day counts */
typedef struct CalCompiled
{
	GmCalendar *val;
	pg_tz	   *tz;				/* resolved on first use, see cal_tz() */
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
} CalCompiled;

#define CAL_TABLE_MAX_DAYS (366 * 400)
#define CAL_LOOP_MAX_DAYS (366 * 10000)

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
					 errmsg("time zone \"%s\" not recognized", CAL_TZ(cc->val))));
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
	exc = CAL_EXC(cc->val);
	cc->defday = -1;
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

	if (!VARATT_IS_EXTENDED(raw) || VARATT_IS_SHORT(raw))
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
	/* remember the argument as it came (packed), or detoasted when it was toasted */
	raw = (struct varlena *) DatumGetPointer(d);
	if (VARATT_IS_EXTENDED(raw) && !VARATT_IS_SHORT(raw))
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
		gm_cache_begin_rebuild(&cal_watch);
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
	CalCompiled *cc;
} NameCache;

static CalCompiled *
cal_from_name_arg(FunctionCallInfo fcinfo, int argno)
{
	NameCache  *nc = (NameCache *) fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) DatumGetPointer(PG_GETARG_DATUM(argno));
	text	   *t;

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
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("calendar \"%s\" has no working time", cal_label(cc))));
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
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("calendar \"%s\" has no working day %s %s", cal_label(cc), after ? "after" : "before", b),
			 errdetail("Its weekly hours are empty; only listed days are working days.")));
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

	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("a working-time timestamp must be finite")));
	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, cal_tz(cc)) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

static int64
interval_usecs(const Interval *iv)
{
	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a working-time amount must not contain months or years"),
				 errhint("Count in hours (a day counts as 24 hours), or use gm.add_working_days.")));
	return iv->time + (int64) iv->day * USECS_PER_DAY;
}

/* is day beyond every exceptional day, where only the weekly pattern applies? */
static inline bool
beyond_table(const CalCompiled *cc, int32 day, bool after)
{
	if (cc->n == 0)
		return true;
	return after ? day >= cc->lo + cc->n : day < cc->lo;
}

static TimestampTz
cal_add_time(const CalCompiled *cc, TimestampTz ts, int64 amt)
{
	int32		start = utc_to_local_day(cc, ts);
	int32		day = start;
	int64		guard = 0;

	cal_require_work(cc);
	if (amt >= 0)
	{
		for (;; day++)
		{
			int			nw,
						i;
			const CalWindow *w;

			cal_check_day(cc, day, start);
			if (cc->wcount == 0 && beyond_table(cc, day, true))
				no_more_work(cc, day, true);
			if (++guard > CAL_LOOP_MAX_DAYS)
				ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
								errmsg("working-time result out of range")));
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
	for (;; day--)
	{
		int			nw,
					i;
		const CalWindow *w;

		cal_check_day(cc, day, start);
		if (cc->wcount == 0 && beyond_table(cc, day, false))
			no_more_work(cc, day, false);
		if (++guard > CAL_LOOP_MAX_DAYS)
			ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
							errmsg("working-time result out of range")));
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

static int64
cal_between(const CalCompiled *cc, TimestampTz a, TimestampTz b)
{
	int32		da,
				db,
				day;
	int64		sum = 0;

	if (b < a)
		return -cal_between(cc, b, a);
	da = utc_to_local_day(cc, a);
	db = utc_to_local_day(cc, b);
	cal_check_day(cc, da, da);
	cal_check_day(cc, db, da);
	for (day = da; day <= db; day++)
	{
		int			nw,
					i;
		const CalWindow *w = cal_day_windows(cc, day, &nw);

		for (i = 0; i < nw; i++)
		{
			TimestampTz s = Max(local_to_utc(cc, day, w[i].start), a),
						e = Min(local_to_utc(cc, day, w[i].end), b);

			if (e > s)
				sum += e - s;
		}
	}
	return sum;
}

static Interval *
usecs_interval(int64 us)
{
	Interval   *r = palloc0(sizeof(Interval));

	r->time = us;
	return r;
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

	PG_RETURN_INTERVAL_P(usecs_interval(cal_between(cc, a, b)));
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
