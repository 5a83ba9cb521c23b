/*
 * tzspan.c — spans of a time zone with one UTC offset (see tzspan.h).
 */
#include "tzspan.h"

#include "utils/timestamp.h"

#define SPAN_BACK_DAYS 200		/* a new span starts looking this far before t */
#define SPAN_OPEN_DAYS 600		/* length of a span past the zone's last transition */
#define SPAN_STEP_DAYS 7		/* ... checked week by week */

static const pg_time_t unix_offset = (pg_time_t) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;

static inline pg_time_t
ts_to_unix(TimestampTz t)
{
	int64		s = t / USECS_PER_SEC;

	if (t % USECS_PER_SEC < 0)
		s--;
	return (pg_time_t) s + unix_offset;
}

static inline TimestampTz
unix_to_ts(pg_time_t u)
{
	return (TimestampTz) (u - unix_offset) * USECS_PER_SEC;
}

bool
gm_tz_span_build(GmTzSpan *s, const pg_tz *tz, TimestampTz t)
{
	/* far enough from the ends of the timestamp range that nothing below overflows */
	static const TimestampTz margin = (TimestampTz) (SPAN_OPEN_DAYS + SPAN_BACK_DAYS + 2) * USECS_PER_DAY;
	pg_time_t	ut,
				from,
				b,
				hi;
	long		before_off,
				after_off;
	int			before_dst,
				after_dst;
	int			i;

	s->tz = NULL;
	if (tz == NULL || t < MIN_TIMESTAMP + margin || t >= END_TIMESTAMP - margin)
		return false;
	ut = ts_to_unix(t);
	from = ut - (pg_time_t) SPAN_BACK_DAYS * SECS_PER_DAY;
	for (i = 0;; i++)
	{
		int			r;

		if (i >= 16)
			return false;		/* a zone changing very often: no span */
		r = pg_next_dst_boundary(&from, &before_off, &before_dst, &b, &after_off, &after_dst, tz);
		if (r < 0)
			return false;
		if (r == 0)
		{
			/* no transition in the table from here on: check the offset week by week */
			pg_time_t	u;

			hi = from + (pg_time_t) SPAN_OPEN_DAYS * SECS_PER_DAY;
			for (u = from;; u += (pg_time_t) SPAN_STEP_DAYS * SECS_PER_DAY)
			{
				struct pg_tm *tm;

				if (u > hi)
					u = hi;
				tm = pg_localtime(&u, tz);
				if (tm == NULL || tm->tm_gmtoff != before_off)
					return false;
				if (u == hi)
					break;
			}
			break;
		}
		if (b > ut)
		{
			hi = b;
			break;
		}
		from = b + 1;			/* the segment after that transition */
	}
	if (ut < from || ut >= hi)
		return false;
	s->lo = unix_to_ts(from);
	s->hi = unix_to_ts(hi);
	s->off = before_off;
	s->tz = tz;
	return true;
}
