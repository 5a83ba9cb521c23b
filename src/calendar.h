/*
 * calendar.h — the compiled business calendar (type gm.calendar) shared by
 * calendar_parse.c (text form, working-hours parser) and calendar.c
 * (arithmetic, per-backend cache by name).
 */
#ifndef GM_CALENDAR_H
#define GM_CALENDAR_H

#include "gm.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
#include "lib/stringinfo.h"

#define CAL_MAX_WINDOWS 64			/* windows per day */
#define CAL_MINUTES_PER_DAY 1440
#define CAL_TABLE_MAX_DAYS (366 * 400)	/* listed days: 400 years at most */

/* an exceptional day: a closure or a working day other than the weekly pattern */
typedef struct CalException
{
	int32		day;			/* DateADT */
	int16		workday;		/* 1 working, 0 closed */
	int16		nwin;			/* own windows (0: the default working windows) */
	int32		win_off;		/* index of its first window in the window array */
} CalException;

typedef struct CalWindow
{
	int16		start;			/* minutes after local midnight, 0..1439 */
	int16		end;			/* start < end <= 1440 */
} CalWindow;

/*
 * The varlena: header, then CalException exc[nexc], CalWindow win[nwin], then
 * the NUL-terminated time zone name and calendar name.
 */
typedef struct GmCalendar
{
	int32		vl_len_;
	int32		first_year;		/* official years, 0 = none (plain weeks everywhere) */
	int32		last_year;
	int32		outside_plain;	/* 1: plain weeks outside the official years */
	int16		wnwin[7];		/* windows per ISO weekday, Mon = 0 */
	int16		wwin_off[7];
	int32		nexc;
	int32		nwin;
	int32		tz_off;			/* byte offset of the time zone name from the struct start */
	int32		name_off;		/* byte offset of the calendar name */
} GmCalendar;

#define CAL_EXC(c)	((CalException *) (((char *) (c)) + MAXALIGN(sizeof(GmCalendar))))
#define CAL_WIN(c)	((CalWindow *) (CAL_EXC(c) + (c)->nexc))
#define CAL_TZ(c)	(((char *) (c)) + (c)->tz_off)
#define CAL_NAME(c) (((char *) (c)) + (c)->name_off)

#define DatumGetGmCalendarP(X)	((GmCalendar *) PG_DETOAST_DATUM(X))
#define PG_GETARG_GMCALENDAR_P(n) DatumGetGmCalendarP(PG_GETARG_DATUM(n))

/* calendar_parse.c */
/*
 * A calendar compiled for arithmetic (calendar.c), for other domains that
 * keep one in a cache of their own (the follow-up status, sla.c).
 */
typedef struct CalCompiled CalCompiled;
extern CalCompiled *gm_cal_compile(const GmCalendar *val, MemoryContext cxt);
extern bool gm_cal_due_working_days(CalCompiled *cc, TimestampTz start, int32 days, TimestampTz *due);
extern TimestampTz gm_cal_add_working_time(CalCompiled *cc, TimestampTz ts, const Interval *amount);

extern int	cal_parse_windows(const char *s, const char *whole, int startpos,
							  CalWindow *out, int max, const char **endp);
extern void cal_parse_hours(const char *text, int16 *nwin, CalWindow win[7][CAL_MAX_WINDOWS]);
extern GmCalendar *cal_from_text(const char *text);
extern GmCalendar *cal_from_text_opt(const char *text, bool check_tz);
extern char *cal_to_text(const GmCalendar *cal);
extern void cal_append_windows(StringInfo buf, const CalWindow *w, int n);
extern void cal_append_hours(StringInfo buf, const GmCalendar *cal);

/* calendar.c */
static inline int
cal_weekday(int32 day)
{
	/* 2000-01-01 (DateADT 0) was a Saturday: ISO weekday index 5 with Mon = 0 */
	int			r = (int) ((((int64) day + 5) % 7 + 7) % 7);

	return r;
}

#endif							/* GM_CALENDAR_H */
