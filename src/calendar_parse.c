/*
 * calendar_parse.c — working-hours text ('Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00'),
 * the text form of type gm.calendar (input, output, send, receive) and the
 * normalising helpers used by the calendar tables.
 *
 * Text form of a gm.calendar value (fields separated by '|', any order on input,
 * this order on output):
 *   name=cn|tz=Asia/Shanghai|hours=Mon-Fri 09:00-18:00|years=2010-2026|outside=plain
 *   |off=2026-02-16..2026-02-20 2026-02-23|on=2026-02-14 2026-02-28@09:00-12:00
 * off / on list single days or ranges (a..b), separated by spaces; an on-day may
 * carry its own windows after '@'.  Output drops days that equal the weekly
 * pattern and joins consecutive days into ranges, so output(input(x)) is a fixed point.
 */
#include "calendar.h"

#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static void
hours_error(const char *whole, const char *at, int startpos, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid working hours \"%s\"", whole),
			 errdetail("%s at position %d.", what, startpos + (int) (at - whole) + 1),
			 errhint("Write working hours like 'Mon-Fri 09:00-12:00,13:30-18:00; Sat 09:00-12:00'.")));
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* HH:MM (00:00..24:00) at p; returns minutes or -1 */
static int
parse_hhmm(const char *p, const char **endp)
{
	int			h,
				m;

	if (!isdigit((unsigned char) p[0]) || !isdigit((unsigned char) p[1]) || p[2] != ':' ||
		!isdigit((unsigned char) p[3]) || !isdigit((unsigned char) p[4]))
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*endp = p + 5;
	return h * 60 + m;
}

/*
 * Windows 'HH:MM-HH:MM[,HH:MM-HH:MM...]' at s (inside the string 'whole', whose
 * position 1 is startpos+1 in the user's text).  Sorted, non-overlapping, start < end.
 */
int
cal_parse_windows(const char *s, const char *whole, int startpos,
				  CalWindow *out, int max, const char **endp)
{
	const char *p = s;
	int			n = 0;

	for (;;)
	{
		int			a,
					b;
		const char *q;

		p = skip_ws(p);
		a = parse_hhmm(p, &q);
		if (a < 0)
			hours_error(whole, p, startpos, "expected a time HH:MM (00:00 to 24:00)");
		if (*q != '-')
			hours_error(whole, q, startpos, "expected '-' between the start and end of a window");
		p = q + 1;
		b = parse_hhmm(p, &q);
		if (b < 0)
			hours_error(whole, p, startpos, "expected a time HH:MM (00:00 to 24:00)");
		if (a >= b)
			hours_error(whole, p, startpos, "a window must end after it starts");
		if (a == CAL_MINUTES_PER_DAY)
			hours_error(whole, p, startpos, "a window cannot start at 24:00");
		if (n > 0 && a <= out[n - 1].end)
			hours_error(whole, p, startpos, "windows must be in order and must not overlap or touch");
		if (n >= max)
			hours_error(whole, p, startpos, "too many windows in one day");
		out[n].start = (int16) a;
		out[n].end = (int16) b;
		n++;
		p = skip_ws(q);
		if (*p == ',' && isdigit((unsigned char) skip_ws(p + 1)[0]))
		{
			p++;
			continue;
		}
		break;
	}
	*endp = p;
	return n;
}

static int
parse_dayname(const char *p, const char **endp)
{
	int			i;

	for (i = 0; i < 7; i++)
		if (pg_strncasecmp(p, day_names[i], 3) == 0)
		{
			const char *q = p + 3;
			static const char *const rest[7] = {"day", "sday", "nesday", "rsday", "day", "urday", "day"};

			/* full English names are accepted too */
			if (pg_strncasecmp(q, rest[i], strlen(rest[i])) == 0)
				q += strlen(rest[i]);
			if (isalpha((unsigned char) *q))
				return -1;
			*endp = q;
			return i;
		}
	return -1;
}

/*
 * Working hours text -> windows per ISO weekday.  Empty text: no working time.
 */
void
cal_parse_hours(const char *text, int16 *nwin, CalWindow win[7][CAL_MAX_WINDOWS])
{
	const char *p = skip_ws(text);
	bool		seen[7] = {false};
	int			i;

	for (i = 0; i < 7; i++)
		nwin[i] = 0;
	if (*p == '\0')
		return;
	for (;;)
	{
		bool		days[7] = {false};
		CalWindow	w[CAL_MAX_WINDOWS];
		int			n,
					d;

		/* day list: Day[-Day][,Day[-Day]...] */
		for (;;)
		{
			const char *q;
			int			a = parse_dayname(p, &q),
						b;

			if (a < 0)
				hours_error(text, p, 0, "expected a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
			b = a;
			p = q;
			if (*p == '-')
			{
				b = parse_dayname(p + 1, &q);
				if (b < 0)
					hours_error(text, p + 1, 0, "expected a day name after '-'");
				p = q;
			}
			for (d = a;; d = (d + 1) % 7)
			{
				if (days[d] || seen[d])
					hours_error(text, p, 0, psprintf("%s is given twice", day_names[d]));
				days[d] = true;
				if (d == b)
					break;
			}
			if (*p == ',' && isalpha((unsigned char) p[1]))
			{
				p++;
				continue;
			}
			break;
		}
		if (*p != ' ' && *p != '\t')
			hours_error(text, p, 0, "expected a space between the days and their windows");
		n = cal_parse_windows(p, text, 0, w, CAL_MAX_WINDOWS, &p);
		for (d = 0; d < 7; d++)
			if (days[d])
			{
				seen[d] = true;
				nwin[d] = (int16) n;
				memcpy(win[d], w, n * sizeof(CalWindow));
			}
		p = skip_ws(p);
		if (*p == '\0')
			break;
		if (*p != ';')
			hours_error(text, p, 0, "expected ';' or the end of the text");
		p = skip_ws(p + 1);
		if (*p == '\0')
			break;
	}
}

void
cal_append_windows(StringInfo buf, const CalWindow *w, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		appendStringInfo(buf, "%s%02d:%02d-%02d:%02d", i ? "," : "",
						 w[i].start / 60, w[i].start % 60, w[i].end / 60, w[i].end % 60);
}

static bool
same_windows(const CalWindow *a, int na, const CalWindow *b, int nb)
{
	return na == nb && memcmp(a, b, na * sizeof(CalWindow)) == 0;
}

/* canonical hours of the calendar: consecutive weekdays with equal windows grouped */
static void
append_hours_from(StringInfo buf, const int16 *nwin, const CalWindow *const *wins)
{
	int			d = 0;
	bool		first = true;

	while (d < 7)
	{
		int			e = d;

		if (nwin[d] == 0)
		{
			d++;
			continue;
		}
		while (e + 1 < 7 && same_windows(wins[d], nwin[d], wins[e + 1], nwin[e + 1]))
			e++;
		appendStringInfoString(buf, first ? "" : "; ");
		if (e > d)
			appendStringInfo(buf, "%s-%s ", day_names[d], day_names[e]);
		else
			appendStringInfo(buf, "%s ", day_names[d]);
		cal_append_windows(buf, wins[d], nwin[d]);
		first = false;
		d = e + 1;
	}
}

void
cal_append_hours(StringInfo buf, const GmCalendar *cal)
{
	const CalWindow *wins[7];
	int			d;

	for (d = 0; d < 7; d++)
		wins[d] = CAL_WIN(cal) + cal->wwin_off[d];
	append_hours_from(buf, cal->wnwin, wins);
}

/* ------------------------------------------------------------------ value text form */

static void
value_error(const char *whole, const char *at, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type gm.calendar: \"%s\"", whole),
			 errdetail("%s at position %d.", what, (int) (at - whole) + 1)));
}

/* YYYY-MM-DD at p -> DateADT; -1 on bad syntax */
static bool
parse_ymd(const char *p, const char **endp, int32 *day)
{
	int			y = 0,
				m,
				d,
				i;

	for (i = 0; i < 4; i++)
	{
		if (!isdigit((unsigned char) p[i]))
			return false;
		y = y * 10 + (p[i] - '0');
	}
	if (p[4] != '-' || !isdigit((unsigned char) p[5]) || !isdigit((unsigned char) p[6]) ||
		p[7] != '-' || !isdigit((unsigned char) p[8]) || !isdigit((unsigned char) p[9]))
		return false;
	m = (p[5] - '0') * 10 + (p[6] - '0');
	d = (p[8] - '0') * 10 + (p[9] - '0');
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > day_tab[isleap(y)][m - 1])
		return false;
	*day = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	*endp = p + 10;
	return true;
}

static void
append_ymd(StringInfo buf, int32 day)
{
	int			y,
				m,
				d;

	j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	appendStringInfo(buf, "%04d-%02d-%02d", y, m, d);
}

typedef struct ExcBuild
{
	CalException *exc;
	int			nexc,
				maxexc;
	CalWindow  *win;
	int			nwin,
				maxwin;
} ExcBuild;

static int
exc_cmp(const void *a, const void *b)
{
	int32		x = ((const CalException *) a)->day,
				y = ((const CalException *) b)->day;

	return x < y ? -1 : x > y;
}

static void
add_exc(ExcBuild *eb, int32 day, bool workday, const CalWindow *w, int nw)
{
	if (eb->nexc >= eb->maxexc)
	{
		eb->maxexc *= 2;
		eb->exc = repalloc(eb->exc, eb->maxexc * sizeof(CalException));
	}
	eb->exc[eb->nexc].day = day;
	eb->exc[eb->nexc].workday = workday ? 1 : 0;
	eb->exc[eb->nexc].nwin = (int16) nw;
	eb->exc[eb->nexc].win_off = eb->nwin;
	eb->nexc++;
	if (nw > 0)
	{
		while (eb->nwin + nw > eb->maxwin)
		{
			eb->maxwin *= 2;
			eb->win = repalloc(eb->win, eb->maxwin * sizeof(CalWindow));
		}
		memcpy(eb->win + eb->nwin, w, nw * sizeof(CalWindow));
		eb->nwin += nw;
	}
}

/* the day list of off= / on= */
static void
parse_days(const char *whole, const char *p, const char *end, bool workday, ExcBuild *eb)
{
	while (p < end)
	{
		int32		a,
					b;
		const char *q;
		CalWindow	w[CAL_MAX_WINDOWS];
		int			nw = 0;

		if (*p == ' ')
		{
			p++;
			continue;
		}
		if (!parse_ymd(p, &q, &a))
			value_error(whole, p, "expected a date YYYY-MM-DD");
		b = a;
		p = q;
		if (p[0] == '.' && p[1] == '.')
		{
			if (!parse_ymd(p + 2, &q, &b))
				value_error(whole, p + 2, "expected a date YYYY-MM-DD after '..'");
			if (b < a)
				value_error(whole, p + 2, "a day range must not end before it starts");
			if (b - a > 366 * 10)
				value_error(whole, p + 2, "a day range must not exceed ten years");
			p = q;
		}
		if (*p == '@')
		{
			char	   *tmp;
			const char *stop = p + 1;

			if (!workday)
				value_error(whole, p, "only working days (on=) carry windows");
			while (stop < end && *stop != ' ')
				stop++;
			tmp = pnstrdup(p + 1, stop - p - 1);
			nw = cal_parse_windows(tmp, tmp, (int) (p + 1 - whole), w, CAL_MAX_WINDOWS, &q);
			if (*q != '\0')
				value_error(whole, p + 1 + (q - tmp), "unexpected text after the windows");
			p = stop;
		}
		if (p < end && *p != ' ')
			value_error(whole, p, "expected a space between days");
		for (; a <= b; a++)
		{
			if ((eb->nexc & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			/* more days than 400 years hold: duplicates, or a calendar no arithmetic accepts */
			if (eb->nexc >= CAL_TABLE_MAX_DAYS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("gm.calendar lists more than %d days", CAL_TABLE_MAX_DAYS),
						 errdetail("Listed days may span 400 years at most.")));
			add_exc(eb, a, workday, w, nw);
		}
	}
}

GmCalendar *
cal_from_text(const char *text)
{
	return cal_from_text_opt(text, true);
}

/* the fields of a gm.calendar text as read, before they are checked and assembled */
typedef struct CalFields
{
	const char *name;
	const char *tzname;			/* NULL: not given */
	char	   *hours;			/* NULL: not given */
	int			first_year,
				last_year,
				outside_plain;
	bool		seen_off,
				seen_on;
	ExcBuild	eb;				/* the days of off= and on=, as listed */
} CalFields;

/* Takes the value of years= (eq: its '=', end: its end); gives f->first_year and last_year. */
static void
parse_years(const char *text, const char *eq, const char *end, CalFields *f)
{
	char	   *s = pnstrdup(eq + 1, end - eq - 1);
	int			n = 0;

	if (sscanf(s, "%d-%d%n", &f->first_year, &f->last_year, &n) == 2 && n == (int) strlen(s))
		;
	else if (sscanf(s, "%d%n", &f->first_year, &n) == 1 && n == (int) strlen(s))
		f->last_year = f->first_year;
	else
		value_error(text, eq + 1, "expected years=YYYY-YYYY");
	if (f->first_year < 1 || f->last_year > 9999 || f->first_year > f->last_year)
		value_error(text, eq + 1, "years must be YYYY-YYYY with the first not after the last");
}

/*
 * Takes the whole text; gives its fields in f (key=value, separated by '|',
 * any order; off= and on= at most once each).  Returns the end of the text.
 */
static const char *
parse_fields(const char *text, CalFields *f)
{
	const char *p = text;

	while (*p)
	{
		const char *eq = p,
				   *end;
		int			klen;

		while (*eq && *eq != '=' && *eq != '|')
			eq++;
		if (*eq != '=')
			value_error(text, eq, "expected key=value");
		klen = eq - p;
		end = eq + 1;
		while (*end && *end != '|')
			end++;
#define KEY(k) (klen == (int) strlen(k) && strncmp(p, k, klen) == 0)
		if (KEY("name"))
			f->name = pnstrdup(eq + 1, end - eq - 1);
		else if (KEY("tz"))
			f->tzname = pnstrdup(eq + 1, end - eq - 1);
		else if (KEY("hours"))
			f->hours = pnstrdup(eq + 1, end - eq - 1);
		else if (KEY("years"))
			parse_years(text, eq, end, f);
		else if (KEY("outside"))
		{
			if (end - eq - 1 == 5 && strncmp(eq + 1, "plain", 5) == 0)
				f->outside_plain = 1;
			else if (end - eq - 1 == 5 && strncmp(eq + 1, "error", 5) == 0)
				f->outside_plain = 0;
			else
				value_error(text, eq + 1, "outside must be 'error' or 'plain'");
		}
		else if (KEY("off") && !f->seen_off)
		{
			f->seen_off = true;
			parse_days(text, eq + 1, end, false, &f->eb);
		}
		else if (KEY("on") && !f->seen_on)
		{
			f->seen_on = true;
			parse_days(text, eq + 1, end, true, &f->eb);
		}
		else
			value_error(text, p, "unknown or repeated key");
#undef KEY
		p = *end ? end + 1 : end;
	}
	return p;
}

/*
 * Takes the fields (at: the end of the text, for the error position); checks
 * that tz= and hours= are given and the name has no '|'; returns the time
 * zone's canonical name (check_tz), or the name as written.
 */
static const char *
check_fields(const char *text, const char *at, const CalFields *f, bool check_tz)
{
	pg_tz	   *tz;

	if (f->tzname == NULL)
		value_error(text, at, "the time zone (tz=) is missing");
	if (f->hours == NULL)
		value_error(text, at, "the working hours (hours=) are missing");
	if (strchr(f->name, '|') != NULL)
		value_error(text, at, "a calendar name must not contain '|'");
	if (!check_tz)
		return f->tzname;
	tz = pg_tzset(f->tzname);
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%s\" not recognized", f->tzname),
				 errhint("Time zones are the names of pg_timezone_names, e.g. Asia/Shanghai.")));
	return pg_get_timezone_name(tz);
}

/* the error for a day listed twice, or a working day with no windows to take */
static void
day_error(const CalException *e, bool twice)
{
	StringInfoData b;

	initStringInfo(&b);
	append_ymd(&b, e->day);
	if (twice)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type gm.calendar: day %s is given twice", b.data)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("working day %s has no windows and the calendar has no working hours to lend it", b.data),
			 errhint("Give the day its own windows, e.g. 2026-02-14@09:00-18:00.")));
}

/*
 * Takes the listed days and the weekly pattern; sorts the days, refuses
 * duplicates and make-up working days with no windows to take (the default
 * windows being the first weekday's that has any), and drops the days equal
 * to the weekly pattern.  Checks for interrupts every 1024 days.
 */
static void
normalise_days(ExcBuild *eb, const int16 *nwin, CalWindow wwin[7][CAL_MAX_WINDOWS])
{
	int			defday = -1,
				d,
				i,
				j;

	/* default windows of a make-up working day: the first weekday that has windows */
	for (d = 0; d < 7; d++)
		if (nwin[d] > 0)
		{
			defday = d;
			break;
		}

	qsort(eb->exc, eb->nexc, sizeof(CalException), exc_cmp);
	for (i = 0, j = 0; i < eb->nexc; i++)
	{
		CalException *e = &eb->exc[i];
		int			wd = cal_weekday(e->day);

		if ((i & 1023) == 0)
			CHECK_FOR_INTERRUPTS();

		if (i > 0 && e->day == eb->exc[i - 1].day)
			day_error(e, true);
		if (e->workday && e->nwin == 0 && defday < 0)
			day_error(e, false);
		if (!e->workday && nwin[wd] == 0)
			continue;			/* closed anyway */
		if (e->workday && nwin[wd] > 0 &&
			(e->nwin == 0 || same_windows(eb->win + e->win_off, e->nwin, wwin[wd], nwin[wd])))
			continue;			/* a normal working day anyway */
		eb->exc[j++] = *e;
	}
	eb->nexc = j;
}

/*
 * Takes the checked fields, the weekly pattern and the normalised days; gives
 * the gm.calendar varlena: header, days, windows (weekly first, then each
 * day's), time zone name, calendar name.
 */
static GmCalendar *
assemble_calendar(const CalFields *f, const char *canon_tz, const int16 *nwin,
				  CalWindow wwin[7][CAL_MAX_WINDOWS])
{
	const ExcBuild *eb = &f->eb;
	int			d,
				i,
				totwin = 0;
	Size		size,
				off;
	GmCalendar *cal;
	CalException *exc;
	CalWindow  *win;

	for (d = 0; d < 7; d++)
		totwin += nwin[d];
	for (i = 0; i < eb->nexc; i++)
		totwin += eb->exc[i].nwin;
	off = MAXALIGN(sizeof(GmCalendar)) + eb->nexc * sizeof(CalException) + totwin * sizeof(CalWindow);
	size = off + strlen(canon_tz) + 1 + strlen(f->name) + 1;
	cal = palloc0(size);
	SET_VARSIZE(cal, size);
	cal->first_year = f->first_year;
	cal->last_year = f->last_year;
	cal->outside_plain = f->first_year ? f->outside_plain : 0;
	cal->nexc = eb->nexc;
	cal->nwin = totwin;
	exc = CAL_EXC(cal);
	win = CAL_WIN(cal);
	totwin = 0;
	for (d = 0; d < 7; d++)
	{
		cal->wnwin[d] = nwin[d];
		cal->wwin_off[d] = (int16) totwin;
		memcpy(win + totwin, wwin[d], nwin[d] * sizeof(CalWindow));
		totwin += nwin[d];
	}
	for (i = 0; i < eb->nexc; i++)
	{
		exc[i] = eb->exc[i];
		if (exc[i].nwin > 0)
		{
			memcpy(win + totwin, eb->win + eb->exc[i].win_off, exc[i].nwin * sizeof(CalWindow));
			exc[i].win_off = totwin;
			totwin += exc[i].nwin;
		}
		else
			exc[i].win_off = 0;
	}
	cal->tz_off = (int32) off;
	strcpy(((char *) cal) + off, canon_tz);
	cal->name_off = (int32) (off + strlen(canon_tz) + 1);
	strcpy(((char *) cal) + cal->name_off, f->name);
	return cal;
}

/*
 * check_tz = false: keep the time zone name as written, unchecked, for text
 * this module wrote itself from a checked value (the stored form read by
 * name); loading a zone costs a directory scan, and the day arithmetic never
 * needs it (calendar.c resolves it on first use).
 */
GmCalendar *
cal_from_text_opt(const char *text, bool check_tz)
{
	CalFields	f = {0};
	const char *end,
			   *canon_tz;
	int16		nwin[7];
	CalWindow	wwin[7][CAL_MAX_WINDOWS];

	f.name = "";
	f.eb.maxexc = 64;
	f.eb.exc = palloc(f.eb.maxexc * sizeof(CalException));
	f.eb.nexc = 0;
	f.eb.maxwin = 16;
	f.eb.win = palloc(f.eb.maxwin * sizeof(CalWindow));
	f.eb.nwin = 0;

	end = parse_fields(text, &f);
	canon_tz = check_fields(text, end, &f, check_tz);
	cal_parse_hours(f.hours, nwin, wwin);
	normalise_days(&f.eb, nwin, wwin);
	return assemble_calendar(&f, canon_tz, nwin, wwin);
}

char *
cal_to_text(const GmCalendar *cal)
{
	StringInfoData buf;
	const CalException *exc = CAL_EXC(cal);
	const CalWindow *win = CAL_WIN(cal);
	int			pass,
				i;

	initStringInfo(&buf);
	if (CAL_NAME(cal)[0])
		appendStringInfo(&buf, "name=%s|", CAL_NAME(cal));
	appendStringInfo(&buf, "tz=%s|hours=", CAL_TZ(cal));
	cal_append_hours(&buf, cal);
	if (cal->first_year)
	{
		if (cal->first_year == cal->last_year)
			appendStringInfo(&buf, "|years=%04d", cal->first_year);
		else
			appendStringInfo(&buf, "|years=%04d-%04d", cal->first_year, cal->last_year);
		if (cal->outside_plain)
			appendStringInfoString(&buf, "|outside=plain");
	}
	for (pass = 0; pass < 2; pass++)
	{
		bool		first = true;

		for (i = 0; i < cal->nexc; i++)
		{
			int			k = i;

			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			if (exc[i].workday != pass)
				continue;
			appendStringInfoString(&buf, first ? (pass ? "|on=" : "|off=") : " ");
			first = false;
			append_ymd(&buf, exc[i].day);
			/* a run of consecutive days of the same kind without own windows */
			if (exc[i].nwin == 0)
			{
				while (k + 1 < cal->nexc && exc[k + 1].day == exc[k].day + 1 &&
					   exc[k + 1].workday == pass && exc[k + 1].nwin == 0)
					k++;
				if (k > i)
				{
					appendStringInfoString(&buf, "..");
					append_ymd(&buf, exc[k].day);
				}
			}
			else
			{
				appendStringInfoChar(&buf, '@');
				cal_append_windows(&buf, win + exc[i].win_off, exc[i].nwin);
			}
			i = k;
		}
	}
	return buf.data;
}

PG_FUNCTION_INFO_V1(gm_calendar_in);
Datum
gm_calendar_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(cal_from_text(PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(gm_calendar_out);
Datum
gm_calendar_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(cal_to_text(PG_GETARG_GMCALENDAR_P(0)));
}

/* binary form: the text form, so that it stays independent of struct layout */
PG_FUNCTION_INFO_V1(gm_calendar_send);
Datum
gm_calendar_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;
	char	   *s = cal_to_text(PG_GETARG_GMCALENDAR_P(0));

	pq_begintypsend(&buf);
	pq_sendint8(&buf, 1);		/* format version */
	pq_sendtext(&buf, s, strlen(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(gm_calendar_recv);
Datum
gm_calendar_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgint(buf, 1);
	char	   *s;
	int			n;

	if (version != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported gm.calendar binary format version %d", version)));
	s = pq_getmsgtext(buf, buf->len - buf->cursor, &n);
	PG_RETURN_POINTER(cal_from_text(s));
}

/* gm.normalize_working_hours(text): validated, canonical working hours */
PG_FUNCTION_INFO_V1(gm_normalize_working_hours);
Datum
gm_normalize_working_hours(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int16		nwin[7];
	CalWindow	w[7][CAL_MAX_WINDOWS];
	const CalWindow *wins[7];
	StringInfoData buf;
	int			d;

	cal_parse_hours(s, nwin, w);
	for (d = 0; d < 7; d++)
		wins[d] = w[d];
	initStringInfo(&buf);
	append_hours_from(&buf, nwin, wins);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}

/* gm._normalize_windows(text): validated, canonical windows of one day */
PG_FUNCTION_INFO_V1(gm_normalize_windows);
Datum
gm_normalize_windows(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	CalWindow	w[CAL_MAX_WINDOWS];
	const char *end;
	int			n = cal_parse_windows(s, s, 0, w, CAL_MAX_WINDOWS, &end);
	StringInfoData buf;

	if (*end != '\0')
		hours_error(s, end, 0, "unexpected text after the windows");
	initStringInfo(&buf);
	cal_append_windows(&buf, w, n);
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
