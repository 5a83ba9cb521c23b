/*
 * scorecard.c — the lines of a scorecard as one jsonb array (issue 19).
 *
 * gm._score_lines(kpi, part, weight, scope, actual, target, attainment,
 * contribution) is the aggregate behind gm.scorecard's "lines" column: an
 * array of one object per line,
 *   {"kpi", "part", "weight", "scope", "actual", "target",
 *    "attainment": round(attainment, 4), "contribution": round(contribution, 2)}
 * largest contribution first (NULLs first, as ORDER BY ... DESC), ties by kpi
 * in the input's collation.  It equals
 *   jsonb_agg(jsonb_build_object(...) ORDER BY contribution DESC, kpi)
 * but puts the numerics into the jsonb as they are: jsonb_build_object turns
 * every numeric into text and back (numeric_out, numeric_in), which was most
 * of the time of a month's scorecards.  NaN and infinities, which jsonb has
 * no number for, become strings as jsonb_build_object makes them.
 *
 * The state is a list of lines in the aggregate context, with combine,
 * serial and deserial functions for parallel aggregation.
 */
#include "gm.h"

#include "catalog/pg_collation.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/varlena.h"

#define SL_NTEXT	3			/* kpi, part, scope */
#define SL_NNUM		5			/* weight, actual, target, attainment, contribution */

typedef struct ScoreLine
{
	char	   *text[SL_NTEXT];	/* NULL for SQL NULL */
	Numeric		num[SL_NNUM];	/* NULL for SQL NULL */
} ScoreLine;

typedef struct ScoreLines
{
	int			n;
	int			cap;
	Oid			collation;		/* of kpi, for the tie-break */
	ScoreLine  *lines;
} ScoreLines;

/* argument positions of the text and numeric fields (after the state) */
static const int text_arg[SL_NTEXT] = {1, 2, 4};
static const int num_arg[SL_NNUM] = {3, 5, 6, 7, 8};
static const char *const text_key[SL_NTEXT] = {"kpi", "part", "scope"};
static const char *const num_key[SL_NNUM] = {"weight", "actual", "target", "attainment", "contribution"};
/* decimals the jsonb shows (-1: as it is) */
static const int num_round[SL_NNUM] = {-1, -1, -1, 4, 2};
#define SL_KPI			0
#define SL_CONTRIBUTION	4

static MemoryContext
agg_context(FunctionCallInfo fcinfo, const char *fn)
{
	MemoryContext cxt;

	if (!AggCheckCallContext(fcinfo, &cxt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", fn)));
	return cxt;
}

static ScoreLines *
lines_new(MemoryContext cxt, Oid collation)
{
	ScoreLines *st = MemoryContextAllocZero(cxt, sizeof(ScoreLines));

	st->collation = collation;
	return st;
}

static ScoreLine *
lines_add(ScoreLines *st, MemoryContext cxt)
{
	if (st->n == st->cap)
	{
		int			cap = st->cap == 0 ? 8 : st->cap * 2;

		st->lines = st->lines == NULL ? MemoryContextAlloc(cxt, cap * sizeof(ScoreLine))
			: repalloc(st->lines, cap * sizeof(ScoreLine));
		st->cap = cap;
	}
	return &st->lines[st->n++];
}

PG_FUNCTION_INFO_V1(gm_score_lines_trans);
Datum
gm_score_lines_trans(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = agg_context(fcinfo, "gm._score_lines");
	ScoreLines *st = PG_ARGISNULL(0) ? NULL : (ScoreLines *) PG_GETARG_POINTER(0);
	MemoryContext old;
	ScoreLine  *l;
	int			i;

	old = MemoryContextSwitchTo(cxt);
	if (st == NULL)
		st = lines_new(cxt, PG_GET_COLLATION());
	l = lines_add(st, cxt);
	for (i = 0; i < SL_NTEXT; i++)
		l->text[i] = PG_ARGISNULL(text_arg[i]) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(text_arg[i]));
	for (i = 0; i < SL_NNUM; i++)
		l->num[i] = PG_ARGISNULL(num_arg[i]) ? NULL
			: DatumGetNumeric(datumCopy(PG_GETARG_DATUM(num_arg[i]), false, -1));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(gm_score_lines_combine);
Datum
gm_score_lines_combine(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = agg_context(fcinfo, "gm._score_lines");
	ScoreLines *a = PG_ARGISNULL(0) ? NULL : (ScoreLines *) PG_GETARG_POINTER(0);
	ScoreLines *b = PG_ARGISNULL(1) ? NULL : (ScoreLines *) PG_GETARG_POINTER(1);
	MemoryContext old;
	int			i,
				k;

	if (b == NULL)
		PG_RETURN_POINTER(a);
	old = MemoryContextSwitchTo(cxt);
	if (a == NULL)
		a = lines_new(cxt, b->collation);
	for (i = 0; i < b->n; i++)
	{
		ScoreLine  *l = lines_add(a, cxt);

		for (k = 0; k < SL_NTEXT; k++)
			l->text[k] = b->lines[i].text[k] ? pstrdup(b->lines[i].text[k]) : NULL;
		for (k = 0; k < SL_NNUM; k++)
			l->num[k] = b->lines[i].num[k]
				? DatumGetNumeric(datumCopy(NumericGetDatum(b->lines[i].num[k]), false, -1)) : NULL;
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(gm_score_lines_serial);
Datum
gm_score_lines_serial(PG_FUNCTION_ARGS)
{
	ScoreLines *st = (ScoreLines *) PG_GETARG_POINTER(0);
	StringInfoData buf;
	int			i,
				k;

	(void) agg_context(fcinfo, "gm._score_lines");
	pq_begintypsend(&buf);
	pq_sendint32(&buf, (int32) st->collation);
	pq_sendint32(&buf, st->n);
	for (i = 0; i < st->n; i++)
	{
		for (k = 0; k < SL_NTEXT; k++)
		{
			const char *s = st->lines[i].text[k];

			pq_sendint32(&buf, s ? (int32) strlen(s) : -1);
			if (s)
				pq_sendbytes(&buf, s, strlen(s));
		}
		for (k = 0; k < SL_NNUM; k++)
		{
			Numeric		v = st->lines[i].num[k];

			/* a numeric's bytes, as they are: serial and deserial run in one server */
			pq_sendint32(&buf, v ? (int32) VARSIZE(v) : -1);
			if (v)
				pq_sendbytes(&buf, (const char *) v, VARSIZE(v));
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(gm_score_lines_deserial);
Datum
gm_score_lines_deserial(PG_FUNCTION_ARGS)
{
	MemoryContext cxt = agg_context(fcinfo, "gm._score_lines");
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	MemoryContext old;
	ScoreLines *st;
	int			n,
				i,
				k;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	old = MemoryContextSwitchTo(cxt);
	st = lines_new(cxt, (Oid) pq_getmsgint(&buf, 4));
	n = pq_getmsgint(&buf, 4);
	for (i = 0; i < n; i++)
	{
		ScoreLine  *l = lines_add(st, cxt);

		for (k = 0; k < SL_NTEXT; k++)
		{
			int			len = pq_getmsgint(&buf, 4);

			l->text[k] = len < 0 ? NULL : pnstrdup(pq_getmsgbytes(&buf, len), len);
		}
		for (k = 0; k < SL_NNUM; k++)
		{
			int			len = pq_getmsgint(&buf, 4);

			if (len < 0)
				l->num[k] = NULL;
			else
			{
				l->num[k] = palloc(len);
				memcpy(l->num[k], pq_getmsgbytes(&buf, len), len);
			}
		}
	}
	pq_getmsgend(&buf);
	MemoryContextSwitchTo(old);
	pfree(buf.data);
	PG_RETURN_POINTER(st);
}

/* ORDER BY contribution DESC (NULLs first), kpi (in the collation arg points to) */
static int
line_cmp(const void *pa, const void *pb, void *arg)
{
	const ScoreLine *a = pa,
			   *b = pb;
	Numeric		ca = a->num[SL_CONTRIBUTION],
				cb = b->num[SL_CONTRIBUTION];
	const char *ka = a->text[SL_KPI],
			   *kb = b->text[SL_KPI];

	if (ca == NULL || cb == NULL)
	{
		if (ca != NULL || cb != NULL)
			return ca == NULL ? -1 : 1;
	}
	else
	{
		int			c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(cb), NumericGetDatum(ca)));

		if (c != 0)
			return c;
	}
	if (ka == NULL || kb == NULL)
		return (ka == NULL) - (kb == NULL);		/* NULLs last, as ORDER BY ... ASC */
	return varstr_cmp(ka, strlen(ka), kb, strlen(kb), *(Oid *) arg);
}

static void
push_key(JsonbParseState **ps, const char *key)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = (char *) key;
	v.val.string.len = strlen(key);
	(void) pushJsonbValue(ps, WJB_KEY, &v);
}

static void
push_numeric(JsonbParseState **ps, Numeric n, int decimals)
{
	JsonbValue	v;

	if (n == NULL)
		v.type = jbvNull;
	else
	{
		if (decimals >= 0)
			n = DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(n), Int32GetDatum(decimals)));
		if (numeric_is_nan(n) || numeric_is_inf(n))
		{
			/* jsonb has no number for them: a string, as jsonb_build_object makes it */
			char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));

			v.type = jbvString;
			v.val.string.val = s;
			v.val.string.len = strlen(s);
		}
		else
		{
			v.type = jbvNumeric;
			v.val.numeric = n;
		}
	}
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

PG_FUNCTION_INFO_V1(gm_score_lines_final);
Datum
gm_score_lines_final(PG_FUNCTION_ARGS)
{
	ScoreLines *st = PG_ARGISNULL(0) ? NULL : (ScoreLines *) PG_GETARG_POINTER(0);
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	Oid			collation;
	int			i,
				k;

	(void) agg_context(fcinfo, "gm._score_lines");
	if (st == NULL || st->n == 0)
		PG_RETURN_NULL();
	/* sorted in place: the final function may be called again (window use) on the same lines */
	collation = OidIsValid(st->collation) ? st->collation : DEFAULT_COLLATION_OID;
	qsort_arg(st->lines, st->n, sizeof(ScoreLine), line_cmp, &collation);
	(void) pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < st->n; i++)
	{
		ScoreLine  *l = &st->lines[i];

		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		for (k = 0; k < SL_NTEXT; k++)
		{
			JsonbValue	v;

			push_key(&ps, text_key[k]);
			if (l->text[k] == NULL)
				v.type = jbvNull;
			else
			{
				v.type = jbvString;
				v.val.string.val = l->text[k];
				v.val.string.len = strlen(l->text[k]);
			}
			(void) pushJsonbValue(&ps, WJB_VALUE, &v);
		}
		for (k = 0; k < SL_NNUM; k++)
		{
			push_key(&ps, num_key[k]);
			push_numeric(&ps, l->num[k], num_round[k]);
		}
		(void) pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}
