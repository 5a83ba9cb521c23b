/*
 * tzspan.h — the UTC offset of a time zone over a span of time without a
 * change (tzspan.c), so that per-row conversions between UTC and local time
 * are an addition instead of a search of the zone's rules.
 *
 *     static GmTzSpan span;               -- per zone user: a static, a cache entry
 *     long off;
 *     if (gm_tz_span(&span, tz, t, &off)) -- t lies in the span: local = t + off
 *         ...
 *     else                                -- no span known there: the slow, exact path
 *
 * A span is [lo, hi) in TimestampTz microseconds, with one offset throughout:
 * found with pg_next_dst_boundary (the primitive PostgreSQL's own local-to-UTC
 * conversion uses) between two transitions of the zone's table; past its last
 * transition the offset is checked week by week against pg_localtime (which
 * also follows a zone's rule beyond the table) and the span is cut at 600
 * days.  A span never covers a transition, so arithmetic that stays inside
 * one by a day's margin (gm_tz_span_inner) gives what timestamp2tm /
 * DetermineTimeZoneOffset give.
 */
#ifndef GM_TZSPAN_H
#define GM_TZSPAN_H

#include "gm.h"
#include "datatype/timestamp.h"
#include "pgtime.h"

typedef struct GmTzSpan
{
	const pg_tz *tz;			/* NULL: empty */
	TimestampTz lo,
				hi;
	long		off;			/* seconds east of UTC */
} GmTzSpan;

extern bool gm_tz_span_build(GmTzSpan *s, const pg_tz *tz, TimestampTz t);

/* the offset of tz at t when t lies in (or a new span can be found around) it */
static inline bool
gm_tz_span(GmTzSpan *s, const pg_tz *tz, TimestampTz t, long *off)
{
	if (!(s->tz == tz && t >= s->lo && t < s->hi) && !gm_tz_span_build(s, tz, t))
		return false;
	*off = s->off;
	return true;
}

/* does t lie inside the span by at least a day on both sides? */
static inline bool
gm_tz_span_inner(const GmTzSpan *s, TimestampTz t)
{
	return s->tz != NULL && t - USECS_PER_DAY >= s->lo && t + USECS_PER_DAY < s->hi;
}

#endif							/* GM_TZSPAN_H */
