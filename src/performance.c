/*
 * performance.c — performance management (issue 19): the exact top-down split
 * of a target over a whole tree of levels in one call.
 *
 * gm._split_tree(total, parents, weights, decimals) splits total over a tree
 * given in topological order: node 1 is the root (its parent 0 or NULL), every
 * other node names a parent that comes before it.  Each node's value is split
 * over its children by their weights with the largest-remainder rule of
 * gm.split_target (same quotas, same tie-break: the earlier position), in whole
 * units of 10^-decimals, so the children of every node sum exactly to it.
 * Children whose weights are all 0 share equally.  All arithmetic is numeric
 * (exact whatever the weights' decimals); the work is done in a short-lived
 * memory context and only the result array is built in the caller's.
 *
 * The SQL side (gm.split_targets, sql/parts/80_performance.sql) builds the
 * tree company -> regions -> grids -> people from gm.grid and gm.grid_member
 * and writes the parts to gm.target.
 */
#include "performance.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

static inline Datum
n_mul(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_mul, a, b);
}

static inline Datum
n_sub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

static inline Datum
n_add(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_add, a, b);
}

static inline int
n_cmp(Datum a, Datum b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a, b));
}

typedef struct SplitChild
{
	int			pos;			/* index among the siblings (tie-break) */
	int			node;			/* node index (0-based) */
	Datum		rem;			/* exact remainder of the quota, x sum of weights */
} SplitChild;

static int
split_child_cmp(const void *a, const void *b)
{
	const SplitChild *x = (const SplitChild *) a;
	const SplitChild *y = (const SplitChild *) b;
	int			c = n_cmp(y->rem, x->rem);	/* larger remainder first */

	if (c != 0)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

PG_FUNCTION_INFO_V1(gm_split_tree);
Datum
gm_split_tree(PG_FUNCTION_ARGS)
{
	Numeric		total;
	ArrayType  *parr;
	ArrayType  *warr;
	int32		decimals;
	Datum	   *pvals;
	bool	   *pnulls;
	Datum	   *wvals;
	bool	   *wnulls;
	int			n,
				nw;
	int		   *parent;
	int		   *nchild;
	int		   *first;
	int		   *kids;
	Datum	   *units;
	Datum	   *result;
	Datum		scale,
				zero;
	MemoryContext work,
				old;
	ArrayType  *out;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_NULL();
	total = PG_GETARG_NUMERIC(0);
	parr = PG_GETARG_ARRAYTYPE_P(1);
	warr = PG_GETARG_ARRAYTYPE_P(2);
	decimals = PG_GETARG_INT32(3);

	if (decimals < 0 || decimals > GM_SPLIT_MAX_DECIMALS)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("decimals must be between 0 and %d, not %d", GM_SPLIT_MAX_DECIMALS, decimals)));
	if (numeric_is_nan(total) || numeric_is_inf(total))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total must be a finite number, not %s",
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(total))))));
	if (ARR_NDIM(parr) > 1 || ARR_NDIM(warr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("parents and weights must be one-dimensional arrays")));

	work = AllocSetContextCreate(CurrentMemoryContext, "gm split tree", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(work);

	deconstruct_array(parr, INT4OID, 4, true, TYPALIGN_INT, &pvals, &pnulls, &n);
	deconstruct_array(warr, NUMERICOID, -1, false, TYPALIGN_INT, &wvals, &wnulls, &nw);
	if (n != nw)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%d parents but %d weights", n, nw),
				 errhint("Give one weight per node, in the order of the parents.")));
	if (n == 0)
	{
		MemoryContextSwitchTo(old);
		MemoryContextDelete(work);
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(NUMERICOID));
	}

	parent = palloc(sizeof(int) * n);
	nchild = palloc0(sizeof(int) * n);
	first = palloc(sizeof(int) * n);
	kids = palloc(sizeof(int) * n);
	units = palloc(sizeof(Datum) * n);
	zero = NumericGetDatum(int64_to_numeric(0));

	for (i = 0; i < n; i++)
	{
		int			p = pnulls[i] ? 0 : DatumGetInt32(pvals[i]);

		if (i == 0 ? p != 0 : (p < 1 || p > i))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("node %d has parent %d", i + 1, p),
					 errdetail("Node 1 is the root (parent 0 or NULL); every other node names a node before it.")));
		parent[i] = p - 1;
		if (wnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weight %d is NULL", i + 1)));
		if (numeric_is_nan(DatumGetNumeric(wvals[i])) || numeric_is_inf(DatumGetNumeric(wvals[i])) ||
			n_cmp(wvals[i], zero) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("weight %d must be a finite number >= 0, not %s", i + 1,
							DatumGetCString(DirectFunctionCall1(numeric_out, wvals[i])))));
		if (i > 0)
			nchild[parent[i]]++;
	}
	/* children of each node, contiguous in kids[], in node order */
	{
		int			at = 0;
		int		   *fill = palloc0(sizeof(int) * n);

		for (i = 0; i < n; i++)
		{
			first[i] = at;
			at += nchild[i];
		}
		for (i = 1; i < n; i++)
			kids[first[parent[i]] + fill[parent[i]]++] = i;
	}

	scale = DirectFunctionCall2(numeric_power, NumericGetDatum(int64_to_numeric(10)),
								NumericGetDatum(int64_to_numeric(decimals)));
	units[0] = n_mul(NumericGetDatum(total), scale);
	if (n_cmp(units[0], DirectFunctionCall2(numeric_trunc, units[0], Int32GetDatum(0))) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total %s has more than %d decimals",
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(total))), decimals),
				 errhint("Round the total first or ask for more decimals.")));

	for (i = 0; i < n; i++)
	{
		int			k = nchild[i];
		int			j;
		bool		negative;
		Datum		u,
					sw = zero,
					rest;
		SplitChild *c;
		int64		extra;

		if (k == 0)
			continue;
		negative = n_cmp(units[i], zero) < 0;
		u = negative ? DirectFunctionCall1(numeric_abs, units[i]) : units[i];
		for (j = 0; j < k; j++)
			sw = n_add(sw, wvals[kids[first[i] + j]]);
		c = palloc(sizeof(SplitChild) * k);
		rest = u;
		for (j = 0; j < k; j++)
		{
			int			node = kids[first[i] + j];
			Datum		w = n_cmp(sw, zero) == 0 ? NumericGetDatum(int64_to_numeric(1)) : wvals[node];
			Datum		s = n_cmp(sw, zero) == 0 ? NumericGetDatum(int64_to_numeric(k)) : sw;
			Datum		uw = n_mul(u, w);
			Datum		q = DirectFunctionCall2(numeric_div_trunc, uw, s);

			c[j].pos = j;
			c[j].node = node;
			c[j].rem = n_sub(uw, n_mul(q, s));
			units[node] = q;
			rest = n_sub(rest, q);
		}
		extra = DatumGetInt64(DirectFunctionCall1(numeric_int8, rest));
		if (extra > 0)
			qsort(c, k, sizeof(SplitChild), split_child_cmp);
		for (j = 0; j < k && j < extra; j++)
			units[c[j].node] = n_add(units[c[j].node], NumericGetDatum(int64_to_numeric(1)));
		if (negative)
			for (j = 0; j < k; j++)
				units[kids[first[i] + j]] = DirectFunctionCall1(numeric_uminus, units[kids[first[i] + j]]);
		pfree(c);
	}

	MemoryContextSwitchTo(old);
	result = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		Datum		v = DirectFunctionCall2(numeric_div, units[i], scale);

		result[i] = DirectFunctionCall2(numeric_round, v, Int32GetDatum(decimals));
	}
	out = construct_array(result, n, NUMERICOID, -1, false, TYPALIGN_INT);
	MemoryContextDelete(work);
	PG_RETURN_ARRAYTYPE_P(out);
}
