/*
 * rfm.c — RFM customer scoring (客户分层): the gm.rfm score type, the
 * gm.rfm_breaks cut-point type, the exact parallel-safe quintile aggregate,
 * scoring, the 10-segment map and the Chinese 8-class map with its means
 * aggregate.
 *
 * Cut points follow percentile_disc exactly: the value at fraction p of N
 * sorted values is sorted[K - 1] with K = max(1, ceil(p * N)), p*N computed in
 * float8 like PostgreSQL does.  The aggregate keeps every non-NULL value of
 * each column (an internal state with serial/deserial and combine functions,
 * so it runs in parallel workers) and finds the four order statistics by
 * selection (quickselect, sorting as a fall-back), not by a full sort.
 */
#include "rfm.h"

#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/shortest_dec.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/sortsupport.h"

static const char *const col_name[GM_RFM_COLS] = {"recency", "frequency", "monetary"};
static const char col_letter[GM_RFM_COLS] = {'r', 'f', 'm'};

/* ------------------------------------------------------------------ gm.rfm */

bool
gm_rfm_code_valid(int code)
{
	int			r = code / 100,
				f = (code / 10) % 10,
				m = code % 10;

	return code >= 111 && code <= 555 && f >= 1 && f <= 5 && m >= 1 && m <= 5 && r >= 1 && r <= 5;
}

PG_FUNCTION_INFO_V1(gm_rfm_in);
Datum
gm_rfm_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	const char *p = s;
	int			d[3];
	int			i;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	for (i = 0; i < 3; i++)
	{
		if (p[i] < '1' || p[i] > '5')
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type gm.rfm: \"%s\"", s),
					 errdetail("A gm.rfm value is three digits 1 to 5: recency, frequency and monetary score, e.g. '545'.")));
		d[i] = p[i] - '0';
	}
	p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type gm.rfm: \"%s\"", s),
				 errdetail("A gm.rfm value is three digits 1 to 5: recency, frequency and monetary score, e.g. '545'.")));
	PG_RETURN_GMRFM(GM_RFM_MAKE(d[0], d[1], d[2]));
}

PG_FUNCTION_INFO_V1(gm_rfm_out);
Datum
gm_rfm_out(PG_FUNCTION_ARGS)
{
	GmRfm		c = PG_GETARG_GMRFM(0);
	char	   *s = palloc(4);

	s[0] = '0' + GM_RFM_R(c);
	s[1] = '0' + GM_RFM_F(c);
	s[2] = '0' + GM_RFM_M(c);
	s[3] = '\0';
	PG_RETURN_CSTRING(s);
}

PG_FUNCTION_INFO_V1(gm_rfm_recv);
Datum
gm_rfm_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			code = (int16) pq_getmsgint(buf, 2);

	if (!gm_rfm_code_valid(code))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary gm.rfm value %d", code)));
	PG_RETURN_GMRFM((GmRfm) code);
}

PG_FUNCTION_INFO_V1(gm_rfm_send);
Datum
gm_rfm_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) PG_GETARG_GMRFM(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(gm_rfm_from_int);
Datum
gm_rfm_from_int(PG_FUNCTION_ARGS)
{
	int32		code = PG_GETARG_INT32(0);

	if (!gm_rfm_code_valid(code))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("integer %d is not a gm.rfm value", code),
				 errdetail("Each of its three decimal digits must be 1 to 5, e.g. 545.")));
	PG_RETURN_GMRFM((GmRfm) code);
}

PG_FUNCTION_INFO_V1(gm_rfm_to_int);
Datum
gm_rfm_to_int(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32((int32) PG_GETARG_GMRFM(0));
}

PG_FUNCTION_INFO_V1(gm_rfm_r);
Datum
gm_rfm_r(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(GM_RFM_R(PG_GETARG_GMRFM(0)));
}

PG_FUNCTION_INFO_V1(gm_rfm_f);
Datum
gm_rfm_f(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(GM_RFM_F(PG_GETARG_GMRFM(0)));
}

PG_FUNCTION_INFO_V1(gm_rfm_m);
Datum
gm_rfm_m(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(GM_RFM_M(PG_GETARG_GMRFM(0)));
}

#define RFM_CMP_FN(fname, op) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(PG_GETARG_GMRFM(0) op PG_GETARG_GMRFM(1)); \
}

RFM_CMP_FN(gm_rfm_eq, ==)
RFM_CMP_FN(gm_rfm_ne, !=)
RFM_CMP_FN(gm_rfm_lt, <)
RFM_CMP_FN(gm_rfm_le, <=)
RFM_CMP_FN(gm_rfm_gt, >)
RFM_CMP_FN(gm_rfm_ge, >=)

PG_FUNCTION_INFO_V1(gm_rfm_cmp);
Datum
gm_rfm_cmp(PG_FUNCTION_ARGS)
{
	GmRfm		a = PG_GETARG_GMRFM(0),
				b = PG_GETARG_GMRFM(1);

	PG_RETURN_INT32(a < b ? -1 : (a > b ? 1 : 0));
}

PG_FUNCTION_INFO_V1(gm_rfm_sortsupport);
Datum
gm_rfm_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	/*
	 * A gm.rfm datum is its int2 code, and codes order like the scores: the
	 * core's int32 datum comparator is exact for it, and tuplesort has a
	 * specialised quicksort for that comparator.
	 */
	ssup->comparator = ssup_datum_int32_cmp;
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(gm_rfm_hash);
Datum
gm_rfm_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_GMRFM(0));
}

PG_FUNCTION_INFO_V1(gm_rfm_hash_extended);
Datum
gm_rfm_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_GMRFM(0), PG_GETARG_INT64(1));
}

/* ------------------------------------------------------------ input checks */

/*
 * The legal RFM values, for the aggregates' and gm.rfm_score's inputs and for
 * the cut points of gm.rfm_breaks alike: finite numbers >= 0, every denormal
 * included.  NaN, infinities and negative numbers are refused with 22023
 * wherever they come in (SQL arguments, the text form, the binary form), so no
 * gm.rfm_breaks value can hold one; -0 is read as 0 everywhere, so the text
 * form never prints "-0".
 */
static inline bool
rfm_value_ok(double v)
{
	return !isnan(v) && !isinf(v) && v >= 0;
}

/* the value as text for a message: the shortest exact decimal, or NaN / [-]Infinity */
static void
rfm_value_text(double v, char buf[DOUBLE_SHORTEST_DECIMAL_LEN])
{
	if (isnan(v))
		strcpy(buf, "NaN");
	else if (isinf(v))
		strcpy(buf, v > 0 ? "Infinity" : "-Infinity");
	else
		double_to_shortest_decimal_buf(v, buf);
}

static pg_noinline void
rfm_input_error(double v, int col)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	rfm_value_text(v, buf);
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s value %s is not allowed in RFM scoring", col_name[col], buf),
			 errhint("Recency (days since the last purchase), frequency and monetary value must be finite numbers >= 0.")));
}

/* an RFM input must be a finite number >= 0; -0 is read as 0 */
static inline double
rfm_check_input(double v, int col)
{
	if (unlikely(!rfm_value_ok(v)))
		rfm_input_error(v, col);
	return v == 0 ? 0.0 : v;
}

/* a cut point of gm.rfm_breaks (text or binary input) that is not a legal RFM value: 22023 */
static pg_noinline void
rfm_cut_error(const char *shown, int col, int k)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s cut point %d value %s is not allowed in gm.rfm_breaks", col_name[col], k + 1, shown),
			 errhint("Cut points are finite numbers >= 0, like the values gm.rfm_breaks(recency, frequency, monetary) accepts.")));
}

/* ----------------------------------------------------------- gm.rfm_breaks */

static void
breaks_syntax_error(const char *s, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type gm.rfm_breaks: \"%s\"", s),
			 errdetail("%s", why),
			 errhint("The form is r=[c1,c2,c3,c4] f=[c1,c2,c3,c4] m=[c1,c2,c3,c4], four non-decreasing numbers >= 0 per column, or [] for a column without values.")));
}

static inline const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/*
 * Read cut point k of column col at p into *v; returns the end of the number.
 * Accepts every number the output prints (and float8in's spellings): digits
 * with an optional fraction and exponent, denormals (strtod reports ERANGE for
 * them: as in float8in, only a result of 0 or infinity is out of range), an
 * optional sign, and the words NaN, Infinity and inf.  A number that is not a
 * legal cut point (NaN, infinite, negative) is refused with 22023 as the
 * aggregate refuses it; -0 is read as 0; a number outside the float8 range is
 * 22003 as in float8in; anything else is 22P02.
 */
static const char *
breaks_read_cut(const char *s, const char *p, int col, int k, double *v)
{
	const char *start = p;
	const char *q = p;
	bool		neg = false;
	double		x;

	if (*q == '+' || *q == '-')
		neg = *q++ == '-';
	if (pg_strncasecmp(q, "nan", 3) == 0)
	{
		x = get_float8_nan();
		q += 3;
	}
	else if (pg_strncasecmp(q, "infinity", 8) == 0)
	{
		x = get_float8_infinity();
		q += 8;
	}
	else if (pg_strncasecmp(q, "inf", 3) == 0)
	{
		x = get_float8_infinity();
		q += 3;
	}
	else
	{
		size_t		span = strspn(q, "0123456789.eE+-");
		char	   *end;

		if (!(isdigit((unsigned char) q[0]) || (q[0] == '.' && isdigit((unsigned char) q[1]))))
			breaks_syntax_error(s, psprintf("cut point %d of %s is not a number", k + 1, col_name[col]));
		errno = 0;
		x = strtod(q, &end);
		/* strtod also reads hex and "nan(...)": the number must lie within the decimal characters */
		if (end == q || (size_t) (end - q) > span)
			breaks_syntax_error(s, psprintf("cut point %d of %s is not a number", k + 1, col_name[col]));
		if (errno == ERANGE && (x == 0 || isinf(x)))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("%s cut point %d of gm.rfm_breaks \"%s\" is out of range for type double precision",
							col_name[col], k + 1, pnstrdup(start, end - start))));
		q = end;
	}
	/* a syntax error right after the number ("1x", "nan(1)") wins over the value check */
	if (*skip_space(q) != ',' && *skip_space(q) != ']')
		breaks_syntax_error(s, psprintf("cut point %d of %s is not a number", k + 1, col_name[col]));
	if (neg)
		x = -x;
	if (!rfm_value_ok(x))
		rfm_cut_error(pnstrdup(start, q - start), col, k);
	*v = x == 0 ? 0.0 : x;
	return q;
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_in);
Datum
gm_rfm_breaks_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	const char *p = s;
	GmRfmBreaks *b = palloc0(sizeof(GmRfmBreaks));
	int			col;

	for (col = 0; col < GM_RFM_COLS; col++)
	{
		int			k;

		p = skip_space(p);
		if (*p != col_letter[col])
			breaks_syntax_error(s, psprintf("expected \"%c=\"", col_letter[col]));
		p = skip_space(p + 1);
		if (*p != '=')
			breaks_syntax_error(s, psprintf("expected \"=\" after \"%c\"", col_letter[col]));
		p = skip_space(p + 1);
		if (*p != '[')
			breaks_syntax_error(s, "expected \"[\"");
		p = skip_space(p + 1);
		if (*p == ']')
		{
			p++;
			continue;			/* a column without values */
		}
		for (k = 0; k < GM_RFM_CUTS; k++)
		{
			double		v;

			p = breaks_read_cut(s, skip_space(p), col, k, &v);
			if (k > 0 && v < b->cut[col][k - 1])
				breaks_syntax_error(s, psprintf("the cut points of %s decrease", col_name[col]));
			b->cut[col][k] = v;
			p = skip_space(p);
			if (*p != (k < GM_RFM_CUTS - 1 ? ',' : ']'))
				breaks_syntax_error(s, psprintf("%s needs exactly %d cut points", col_name[col], GM_RFM_CUTS));
			p++;
		}
		b->present |= 1 << col;
	}
	p = skip_space(p);
	if (*p != '\0')
		breaks_syntax_error(s, "unexpected text after the monetary cut points");
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_out);
Datum
gm_rfm_breaks_out(PG_FUNCTION_ARGS)
{
	GmRfmBreaks *b = (GmRfmBreaks *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			col,
				k;

	initStringInfo(&buf);
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		if (col > 0)
			appendStringInfoChar(&buf, ' ');
		appendStringInfo(&buf, "%c=[", col_letter[col]);
		if (b->present & (1 << col))
			for (k = 0; k < GM_RFM_CUTS; k++)
			{
				char		num[DOUBLE_SHORTEST_DECIMAL_LEN];

				/* shortest text that reads back to the same double, whatever extra_float_digits says */
				double_to_shortest_decimal_buf(b->cut[col][k], num);
				if (k > 0)
					appendStringInfoChar(&buf, ',');
				appendStringInfoString(&buf, num);
			}
		appendStringInfoChar(&buf, ']');
	}
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_recv);
Datum
gm_rfm_breaks_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	GmRfmBreaks *b = palloc0(sizeof(GmRfmBreaks));
	int			col,
				k;

	b->present = pq_getmsgint(buf, 4);
	if (b->present & ~((1 << GM_RFM_COLS) - 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary gm.rfm_breaks value: column flags %d", b->present)));
	for (col = 0; col < GM_RFM_COLS; col++)
		for (k = 0; k < GM_RFM_CUTS; k++)
		{
			double		v = pq_getmsgfloat8(buf);

			if (!(b->present & (1 << col)))
				v = 0;
			else if (!rfm_value_ok(v))
			{
				char		shown[DOUBLE_SHORTEST_DECIMAL_LEN];

				rfm_value_text(v, shown);
				rfm_cut_error(shown, col, k);
			}
			else if (k > 0 && v < b->cut[col][k - 1])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
						 errmsg("invalid binary gm.rfm_breaks value: the %s cut points decrease", col_name[col])));
			b->cut[col][k] = v == 0 ? 0.0 : v;	/* -0 is read as 0 */
		}
	PG_RETURN_POINTER(b);
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_send);
Datum
gm_rfm_breaks_send(PG_FUNCTION_ARGS)
{
	GmRfmBreaks *b = (GmRfmBreaks *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			col,
				k;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, b->present);
	for (col = 0; col < GM_RFM_COLS; col++)
		for (k = 0; k < GM_RFM_CUTS; k++)
			pq_sendfloat8(&buf, b->cut[col][k]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* gm.rfm_cut_points(breaks, column text) RETURNS float8[] */
PG_FUNCTION_INFO_V1(gm_rfm_cut_points);
Datum
gm_rfm_cut_points(PG_FUNCTION_ARGS)
{
	GmRfmBreaks *b = (GmRfmBreaks *) PG_GETARG_POINTER(0);
	char	   *which = text_to_cstring(PG_GETARG_TEXT_PP(1));
	int			col;
	Datum		d[GM_RFM_CUTS];
	int			k;

	for (col = 0; col < GM_RFM_COLS; col++)
		if ((which[0] == col_letter[col] && which[1] == '\0') || strcmp(which, col_name[col]) == 0)
			break;
	if (col == GM_RFM_COLS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown RFM column \"%s\"", which),
				 errhint("Use 'r', 'f', 'm' or 'recency', 'frequency', 'monetary'.")));
	if (!(b->present & (1 << col)))
		PG_RETURN_NULL();
	for (k = 0; k < GM_RFM_CUTS; k++)
		d[k] = Float8GetDatum(b->cut[col][k]);
	PG_RETURN_ARRAYTYPE_P(construct_array(d, GM_RFM_CUTS, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* ------------------------------------------------ aggregate gm.rfm_breaks */

/*
 * The state keeps, per column, every non-NULL value exactly, in one of two
 * forms:
 *  - a map of distinct values to counts (open addressing) while the column has
 *    at most RFM_MAP_MAX distinct values: recency in days and purchase counts
 *    usually do, so their state stays small (cheap to pass between parallel
 *    workers) and the cut points come from a sorted walk over the counts;
 *  - an array of all values once the column has more distinct values
 *    (monetary amounts): the cut points come from selection (quickselect).
 */
#define RFM_MAP_MAX		4096
#define RFM_MAP_SLOTS	(2 * RFM_MAP_MAX)	/* power of two, load <= 1/2 */

typedef struct RfmColumn
{
	bool		is_array;		/* false: map form */
	int64		n;				/* number of values (sum of counts in the map) */
	/* map form */
	int			ndistinct;
	double	   *keys;			/* RFM_MAP_SLOTS slots, NULL until first value */
	int64	   *counts;			/* 0 = empty slot */
	/* array form */
	int64		cap;
	double	   *v;
} RfmColumn;

typedef struct RfmState
{
	RfmColumn	col[GM_RFM_COLS];
} RfmState;

/*
 * Loops over all the values of a column (copies, fills, partitions) check for
 * interrupts every RFM_CFI_STEP values, so that a query cancel or
 * statement_timeout stops the aggregate within about a millisecond, even in
 * its combine, serial, deserial and final functions.
 */
#define RFM_CFI_STEP	((int64) 1 << 18)

/* copy n doubles from src to dst (either may be unaligned, e.g. in a bytea), interruptible */
static void
copy_values(void *dst, const void *src, int64 n)
{
	char	   *d = dst;
	const char *p = src;

	while (n > 0)
	{
		int64		chunk = Min(n, RFM_CFI_STEP);

		CHECK_FOR_INTERRUPTS();
		memcpy(d, p, chunk * sizeof(double));
		d += chunk * sizeof(double);
		p += chunk * sizeof(double);
		n -= chunk;
	}
}

/* dst[0..n) = v, interruptible */
static void
fill_values(double *dst, double v, int64 n)
{
	while (n > 0)
	{
		int64		chunk = Min(n, RFM_CFI_STEP),
					i;

		CHECK_FOR_INTERRUPTS();
		for (i = 0; i < chunk; i++)
			dst[i] = v;
		dst += chunk;
		n -= chunk;
	}
}

static RfmState *
rfm_state_new(MemoryContext cxt)
{
	return MemoryContextAllocZero(cxt, sizeof(RfmState));
}

static inline uint32
hash_double(double v)
{
	uint64		x;

	memcpy(&x, &v, sizeof(x));
	x ^= x >> 33;
	x *= UINT64CONST(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64CONST(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (uint32) x;
}

/* make room for `extra` more values in the array form; arrays live in cxt */
static void
col_reserve(RfmColumn *c, int64 extra, MemoryContext cxt)
{
	int64		need = c->n + extra;
	int64		cap;

	if (need <= c->cap)
		return;
	cap = Max(c->cap * 2, 1024);
	while (cap < need)
		cap *= 2;
	if ((Size) cap > MaxAllocHugeSize / sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many values for gm.rfm_breaks: " INT64_FORMAT, need)));
	if (c->v == NULL)
		c->v = MemoryContextAllocHuge(cxt, cap * sizeof(double));
	else
		c->v = repalloc_huge(c->v, cap * sizeof(double));
	c->cap = cap;
}

/* turn the map form into the array form, with room for `extra` more values */
static void
col_to_array(RfmColumn *c, int64 extra, MemoryContext cxt)
{
	double	   *keys = c->keys;
	int64	   *counts = c->counts;
	int64		n = c->n;
	int			s;

	Assert(!c->is_array);
	c->is_array = true;
	c->n = 0;
	c->cap = 0;
	c->v = NULL;
	col_reserve(c, n + extra, cxt);
	if (keys != NULL)
	{
		for (s = 0; s < RFM_MAP_SLOTS; s++)
		{
			fill_values(c->v + c->n, keys[s], counts[s]);
			c->n += counts[s];
		}
		pfree(keys);
		pfree(counts);
	}
	Assert(c->n == n);
	c->keys = NULL;
	c->counts = NULL;
	c->ndistinct = 0;
}

/* add `count` copies of v */
static void
col_add(RfmColumn *c, double v, int64 count, MemoryContext cxt)
{
	if (!c->is_array)
	{
		uint32		s;

		if (unlikely(c->keys == NULL))
		{
			c->keys = MemoryContextAlloc(cxt, RFM_MAP_SLOTS * sizeof(double));
			c->counts = MemoryContextAllocZero(cxt, RFM_MAP_SLOTS * sizeof(int64));
		}
		for (s = hash_double(v) & (RFM_MAP_SLOTS - 1);; s = (s + 1) & (RFM_MAP_SLOTS - 1))
		{
			if (c->counts[s] == 0)
			{
				if (c->ndistinct >= RFM_MAP_MAX)
					break;		/* one distinct value too many: switch form */
				c->keys[s] = v;
				c->counts[s] = count;
				c->ndistinct++;
				c->n += count;
				return;
			}
			if (c->keys[s] == v)
			{
				c->counts[s] += count;
				c->n += count;
				return;
			}
		}
		col_to_array(c, count, cxt);
	}
	if (unlikely(c->n + count > c->cap))
		col_reserve(c, count, cxt);
	if (count == 1)
		c->v[c->n++] = v;
	else
	{
		fill_values(c->v + c->n, v, count);
		c->n += count;
	}
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_trans);
Datum
gm_rfm_breaks_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RfmState   *st;
	int			col;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.rfm_breaks transition function called outside an aggregate")));
	st = PG_ARGISNULL(0) ? rfm_state_new(aggcxt) : (RfmState *) PG_GETARG_POINTER(0);
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		RfmColumn  *c = &st->col[col];
		double		v;

		if (PG_ARGISNULL(col + 1))
			continue;
		v = rfm_check_input(PG_GETARG_FLOAT8(col + 1), col);
		if (c->is_array && likely(c->n < c->cap))
			c->v[c->n++] = v;
		else
			col_add(c, v, 1, aggcxt);
	}
	PG_RETURN_POINTER(st);
}

/* add every value of column b to column a (a lives in cxt) */
static void
col_merge(RfmColumn *a, const RfmColumn *b, MemoryContext cxt)
{
	if (b->n == 0)
		return;
	if (!b->is_array)
	{
		int			s;

		for (s = 0; s < RFM_MAP_SLOTS; s++)
			if (b->counts[s] > 0)
				col_add(a, b->keys[s], b->counts[s], cxt);
		return;
	}
	if (!a->is_array)
		col_to_array(a, b->n, cxt);
	col_reserve(a, b->n, cxt);
	copy_values(a->v + a->n, b->v, b->n);
	a->n += b->n;
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_combine);
Datum
gm_rfm_breaks_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	RfmState   *a,
			   *b;
	int			col;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.rfm_breaks combine function called outside an aggregate")));
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (RfmState *) PG_GETARG_POINTER(1);
	/* the surviving state must live in the aggregate context: copy b's values into it */
	a = PG_ARGISNULL(0) ? rfm_state_new(aggcxt) : (RfmState *) PG_GETARG_POINTER(0);
	for (col = 0; col < GM_RFM_COLS; col++)
		col_merge(&a->col[col], &b->col[col], aggcxt);
	PG_RETURN_POINTER(a);
}

/*
 * Serial form, per column: int64 n, int32 form (0 map, 1 array), int32
 * entries; then the map's (double key, int64 count) pairs or the n values.
 */
PG_FUNCTION_INFO_V1(gm_rfm_breaks_serial);
Datum
gm_rfm_breaks_serial(PG_FUNCTION_ARGS)
{
	RfmState   *st = (RfmState *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			col;
	Size		len = 0;

	for (col = 0; col < GM_RFM_COLS; col++)
	{
		const RfmColumn *c = &st->col[col];

		len += 16 + (c->is_array ? (Size) c->n * sizeof(double) : (Size) c->ndistinct * 16);
	}
	if (len + VARHDRSZ > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("gm.rfm_breaks state of %zu bytes is too large to pass between parallel workers", len),
				 errhint("Run the aggregate without parallel workers (max_parallel_workers_per_gather = 0).")));
	initStringInfo(&buf);
	enlargeStringInfo(&buf, len + VARHDRSZ);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		const RfmColumn *c = &st->col[col];
		int32		form = c->is_array ? 1 : 0;
		int32		entries = c->is_array ? 0 : c->ndistinct;

		appendBinaryStringInfo(&buf, (const char *) &c->n, sizeof(int64));
		appendBinaryStringInfo(&buf, (const char *) &form, sizeof(int32));
		appendBinaryStringInfo(&buf, (const char *) &entries, sizeof(int32));
		if (c->is_array)
		{
			/* buf has room for everything: copy the values straight in, interruptibly */
			copy_values(buf.data + buf.len, c->v, c->n);
			buf.len += c->n * sizeof(double);
			buf.data[buf.len] = '\0';
		}
		else if (c->ndistinct > 0)
		{
			int			s;

			for (s = 0; s < RFM_MAP_SLOTS; s++)
				if (c->counts[s] > 0)
				{
					appendBinaryStringInfo(&buf, (const char *) &c->keys[s], sizeof(double));
					appendBinaryStringInfo(&buf, (const char *) &c->counts[s], sizeof(int64));
				}
		}
	}
	SET_VARSIZE(buf.data, buf.len);
	PG_RETURN_BYTEA_P((bytea *) buf.data);
}

static void
corrupt_state(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt gm.rfm_breaks aggregate state")));
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_deserial);
Datum
gm_rfm_breaks_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *in = PG_GETARG_BYTEA_PP(0);
	const char *p = VARDATA_ANY(in);
	const char *end = p + VARSIZE_ANY_EXHDR(in);
	RfmState   *st = rfm_state_new(CurrentMemoryContext);
	int			col;

	for (col = 0; col < GM_RFM_COLS; col++)
	{
		RfmColumn  *c = &st->col[col];
		int64		n;
		int32		form,
					entries;

		if (end - p < 16)
			corrupt_state();
		memcpy(&n, p, sizeof(int64));
		memcpy(&form, p + 8, sizeof(int32));
		memcpy(&entries, p + 12, sizeof(int32));
		p += 16;
		if (n < 0 || (form != 0 && form != 1) || entries < 0 || entries > RFM_MAP_MAX)
			corrupt_state();
		if (form == 1)
		{
			if ((Size) n > MaxAllocSize / sizeof(double) || (Size) (end - p) < n * sizeof(double))
				corrupt_state();
			c->is_array = true;
			c->n = c->cap = n;
			if (n > 0)
			{
				c->v = palloc(n * sizeof(double));
				copy_values(c->v, p, n);
			}
			p += n * sizeof(double);
		}
		else
		{
			int			e;

			if ((Size) (end - p) < (Size) entries * 16)
				corrupt_state();
			for (e = 0; e < entries; e++)
			{
				double		key;
				int64		count;

				memcpy(&key, p, sizeof(double));
				memcpy(&count, p + 8, sizeof(int64));
				p += 16;
				if (count <= 0)
					corrupt_state();
				col_add(c, key, count, CurrentMemoryContext);
			}
			if (c->n != n)
				corrupt_state();
		}
	}
	if (p != end)
		corrupt_state();
	PG_RETURN_POINTER(st);
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/*
 * Rearrange a[lo..hi) so that a[k] holds the value it would have if the range
 * were sorted, everything before it is <= a[k] and everything after >= a[k].
 * Quickselect with a median-of-three pivot and a Hoare partition (stops on
 * equal keys, so heavy ties split evenly); if it recurses too deep, the rest of
 * the range is sorted instead (introselect), so the worst case is O(n log n).
 */
static void
select_nth(double *a, int64 lo, int64 hi, int64 k)
{
	int			depth = 0;
	int			limit = 16;
	int64		n;

	for (n = hi - lo; n > 1; n >>= 1)
		limit += 2;
	while (hi - lo > 16)
	{
		int64		mid = lo + (hi - lo) / 2,
					i = lo,
					j = hi - 1;
		double		x = a[lo],
					y = a[mid],
					z = a[hi - 1],
					pivot;
		int64		next_check = RFM_CFI_STEP;

		if (++depth > limit)
		{
			qsort(a + lo, hi - lo, sizeof(double), cmp_double);
			return;
		}
		pivot = (x < y) ? ((y < z) ? y : ((x < z) ? z : x)) : ((x < z) ? x : ((y < z) ? z : y));
		CHECK_FOR_INTERRUPTS();
		while (i <= j)
		{
			/*
			 * One pass over a large range: check for interrupts whenever the two
			 * scans have together covered another RFM_CFI_STEP values.  The
			 * scans themselves only compare (a nanosecond a value).
			 */
			if (unlikely((i - lo) + (hi - 1 - j) >= next_check))
			{
				CHECK_FOR_INTERRUPTS();
				next_check = (i - lo) + (hi - 1 - j) + RFM_CFI_STEP;
			}
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j)
			{
				double		t = a[i];

				a[i] = a[j];
				a[j] = t;
				i++;
				j--;
			}
		}
		/* now a[lo..j] <= pivot, a[j+1..i-1] == pivot, a[i..hi) >= pivot */
		if (k <= j)
			hi = j + 1;
		else if (k >= i)
			lo = i;
		else
			return;
	}
	/* insertion sort of the small rest */
	{
		int64		i;

		for (i = lo + 1; i < hi; i++)
		{
			double		v = a[i];
			int64		j = i - 1;

			while (j >= lo && a[j] > v)
			{
				a[j + 1] = a[j];
				j--;
			}
			a[j + 1] = v;
		}
	}
}

/* the percentile_disc positions (0-based) of 20/40/60/80 % of n values */
static void
percentile_disc_positions(int64 n, int64 pos[GM_RFM_CUTS])
{
	static const double frac[GM_RFM_CUTS] = {0.2, 0.4, 0.6, 0.8};
	int			k;

	for (k = 0; k < GM_RFM_CUTS; k++)
	{
		/* exactly as percentile_disc: K = ceil(p * N) in float8, skip K - 1 rows */
		int64		rownum = (int64) ceil(frac[k] * (double) n);

		pos[k] = rownum > 1 ? rownum - 1 : 0;
	}
}

typedef struct KeyCount
{
	double		key;
	int64		count;
} KeyCount;

static int
cmp_keycount(const void *a, const void *b)
{
	return cmp_double(&((const KeyCount *) a)->key, &((const KeyCount *) b)->key);
}

/* the cut points of one column: the values at the percentile_disc positions */
static void
col_cuts(RfmColumn *c, double cut[GM_RFM_CUTS])
{
	int64		pos[GM_RFM_CUTS];
	int			k;

	percentile_disc_positions(c->n, pos);
	if (!c->is_array)
	{
		/* sort the distinct values, walk the cumulative counts */
		KeyCount   *kc = palloc(c->ndistinct * sizeof(KeyCount));
		int			nk = 0,
					s;
		int64		seen = 0;

		for (s = 0; s < RFM_MAP_SLOTS; s++)
			if (c->counts[s] > 0)
			{
				kc[nk].key = c->keys[s];
				kc[nk].count = c->counts[s];
				nk++;
			}
		qsort(kc, nk, sizeof(KeyCount), cmp_keycount);
		s = 0;
		for (k = 0; k < GM_RFM_CUTS; k++)
		{
			/* the value at 0-based position pos[k]: first key whose cumulative count exceeds it */
			while (seen + kc[s].count <= pos[k])
				seen += kc[s++].count;
			cut[k] = kc[s].key;
		}
		pfree(kc);
		return;
	}
	else
	{
		int64		hi = c->n;

		/* largest position first; each later selection works on the prefix below it */
		for (k = GM_RFM_CUTS - 1; k >= 0; k--)
		{
			if (k < GM_RFM_CUTS - 1 && pos[k] == pos[k + 1])
			{
				cut[k] = cut[k + 1];
				continue;
			}
			select_nth(c->v, 0, hi, pos[k]);
			cut[k] = c->v[pos[k]];
			hi = pos[k];
		}
	}
}

PG_FUNCTION_INFO_V1(gm_rfm_breaks_final);
Datum
gm_rfm_breaks_final(PG_FUNCTION_ARGS)
{
	RfmState   *st;
	GmRfmBreaks *b;
	int			col;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (RfmState *) PG_GETARG_POINTER(0);
	if (st->col[0].n == 0 && st->col[1].n == 0 && st->col[2].n == 0)
		PG_RETURN_NULL();
	b = palloc0(sizeof(GmRfmBreaks));
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		if (st->col[col].n == 0)
			continue;
		b->present |= 1 << col;
		col_cuts(&st->col[col], b->cut[col]);
	}
	PG_RETURN_POINTER(b);
}

/* ------------------------------------------------------------ gm.rfm_score */

static inline int
count_below(const double *cut, double v)
{
	return (cut[0] < v) + (cut[1] < v) + (cut[2] < v) + (cut[3] < v);
}

PG_FUNCTION_INFO_V1(gm_rfm_score);
Datum
gm_rfm_score(PG_FUNCTION_ARGS)
{
	double		r = rfm_check_input(PG_GETARG_FLOAT8(0), 0);
	double		f = rfm_check_input(PG_GETARG_FLOAT8(1), 1);
	double		m = rfm_check_input(PG_GETARG_FLOAT8(2), 2);
	GmRfmBreaks *b = (GmRfmBreaks *) PG_GETARG_POINTER(3);

	if (unlikely((b->present & 7) != 7))
	{
		int			col = !(b->present & 1) ? 0 : (!(b->present & 2) ? 1 : 2);

		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the gm.rfm_breaks value has no %s cut points", col_name[col]),
				 errdetail("gm.rfm_breaks saw no non-NULL %s value.", col_name[col]),
				 errhint("Build the cut points from rows with a value in every column, e.g. gm.rfm_breaks(recency, frequency, monetary) over all customers.")));
	}
	PG_RETURN_GMRFM(GM_RFM_MAKE(5 - count_below(b->cut[0], r),
								1 + count_below(b->cut[1], f),
								1 + count_below(b->cut[2], m)));
}

/* ---------------------------------------------------------- segment maps */

/*
 * The segments published with the R package rfm (rfm_segment() example), in
 * the order they are tried: the first rule whose three score ranges contain
 * the cell wins.  The package's own order makes New Customers, Promising and
 * Can't Lose Them unreachable (their cells all lie inside Potential Loyalist
 * or At Risk, listed before them), so those three move just before the rule
 * that contains them; the rest keeps the package's order.
 */
typedef struct SegmentRule
{
	const char *name;
	int8		rlo,
				rhi,
				flo,
				fhi,
				mlo,
				mhi;
} SegmentRule;

static const SegmentRule segment_rules[] = {
	{"Champions", 4, 5, 4, 5, 4, 5},
	{"Loyal Customers", 2, 5, 3, 5, 3, 5},
	{"New Customers", 4, 5, 1, 1, 1, 1},
	{"Promising", 3, 4, 1, 1, 1, 1},
	{"Potential Loyalist", 3, 5, 1, 3, 1, 3},
	{"Need Attention", 2, 3, 2, 3, 2, 3},
	{"About To Sleep", 2, 3, 1, 2, 1, 2},
	{"Can't Lose Them", 1, 1, 4, 5, 4, 5},
	{"At Risk", 1, 2, 2, 5, 2, 5},
	{"Lost", 1, 2, 1, 2, 1, 2},
};

PG_FUNCTION_INFO_V1(gm_rfm_segment);
Datum
gm_rfm_segment(PG_FUNCTION_ARGS)
{
	GmRfm		c = PG_GETARG_GMRFM(0);
	int			r = GM_RFM_R(c),
				f = GM_RFM_F(c),
				m = GM_RFM_M(c);
	int			i;

	for (i = 0; i < (int) lengthof(segment_rules); i++)
	{
		const SegmentRule *s = &segment_rules[i];

		if (r >= s->rlo && r <= s->rhi && f >= s->flo && f <= s->fhi && m >= s->mlo && m <= s->mhi)
			PG_RETURN_TEXT_P(cstring_to_text(s->name));
	}
	PG_RETURN_TEXT_P(cstring_to_text("Others"));
}

/* Chinese 8-class model, indexed by (R high)*4 + (F high)*2 + (M high) */
static const char *const cn_code[8] = {
	"general_winback", "important_winback", "general_retain", "important_retain",
	"general_develop", "important_develop", "general_value", "important_value"};
static const char *const cn_name[8] = {
	"一般挽留客户", "重要挽留客户", "一般保持客户", "重要保持客户",
	"一般发展客户", "重要发展客户", "一般价值客户", "重要价值客户"};

PG_FUNCTION_INFO_V1(gm_rfm_class_cn);
Datum
gm_rfm_class_cn(PG_FUNCTION_ARGS)
{
	double		v[GM_RFM_COLS],
				mean[GM_RFM_COLS];
	int			col,
				idx;
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char		bits[4];

	for (col = 0; col < GM_RFM_COLS; col++)
	{
		v[col] = rfm_check_input(PG_GETARG_FLOAT8(col), col);
		mean[col] = PG_GETARG_FLOAT8(col + GM_RFM_COLS);
		if (!rfm_value_ok(mean[col]))
		{
			char		shown[DOUBLE_SHORTEST_DECIMAL_LEN];

			rfm_value_text(mean[col], shown);
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("mean %s %s is not allowed", col_name[col], shown),
					 errhint("The means must be finite numbers >= 0, e.g. from gm.rfm_means(recency, frequency, monetary).")));
		}
	}
	/* R high: at most the mean days since the last purchase; F, M high: at least the mean */
	bits[0] = v[0] <= mean[0] ? '1' : '0';
	bits[1] = v[1] >= mean[1] ? '1' : '0';
	bits[2] = v[2] >= mean[2] ? '1' : '0';
	bits[3] = '\0';
	idx = (bits[0] - '0') * 4 + (bits[1] - '0') * 2 + (bits[2] - '0');

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.rfm_class_cn must return a composite type")));
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(cn_code[idx]);
	values[1] = CStringGetTextDatum(cn_name[idx]);
	values[2] = CStringGetTextDatum(bits);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * Aggregate gm.rfm_means(r, f, m) RETURNS float8[]: state float8[6] =
 * {n_r, sum_r, n_f, sum_f, n_m, sum_m}; NULLs ignored column by column.
 */
static float8 *
means_state(ArrayType *a)
{
	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != 6 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("invalid state for aggregate gm.rfm_means: expected float8[6] without NULLs")));
	return (float8 *) (((char *) a) + ARR_OVERHEAD_NONULLS(1));
}

PG_FUNCTION_INFO_V1(gm_rfm_means_trans);
Datum
gm_rfm_means_trans(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	float8	   *s;
	int			col;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.rfm_means transition function called outside an aggregate")));
	/* in an aggregate the state array is ours to update in place (as float8_accum does) */
	a = PG_GETARG_ARRAYTYPE_P(0);
	s = means_state(a);
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		if (PG_ARGISNULL(col + 1))
			continue;
		s[2 * col] += 1;
		s[2 * col + 1] += rfm_check_input(PG_GETARG_FLOAT8(col + 1), col);
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_rfm_means_combine);
Datum
gm_rfm_means_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a,
			   *b;
	float8	   *sa,
			   *sb;
	int			i;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("gm.rfm_means combine function called outside an aggregate")));
	a = PG_GETARG_ARRAYTYPE_P(0);
	b = PG_GETARG_ARRAYTYPE_P(1);
	sa = means_state(a);
	sb = means_state(b);
	for (i = 0; i < 6; i++)
		sa[i] += sb[i];
	PG_RETURN_ARRAYTYPE_P(a);
}

PG_FUNCTION_INFO_V1(gm_rfm_means_final);
Datum
gm_rfm_means_final(PG_FUNCTION_ARGS)
{
	float8	   *s = means_state(PG_GETARG_ARRAYTYPE_P(0));
	Datum		d[GM_RFM_COLS];
	bool		nulls[GM_RFM_COLS];
	int			dims[1] = {GM_RFM_COLS},
				lbs[1] = {1};
	int			col;

	if (s[0] == 0 && s[2] == 0 && s[4] == 0)
		PG_RETURN_NULL();
	for (col = 0; col < GM_RFM_COLS; col++)
	{
		nulls[col] = s[2 * col] == 0;
		d[col] = Float8GetDatum(nulls[col] ? 0 : s[2 * col + 1] / s[2 * col]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(d, nulls, 1, dims, lbs, FLOAT8OID, sizeof(float8),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
