/*
 * actuals.c — the roll-up and merge of gm.compute_actuals (issue 19).
 *
 * gm._actuals_merge(raw_query, period_kind, period_start, period_end, kpis)
 * runs raw_query (the indicators' functions, one UNION ALL branch each, built
 * by gm.compute_actuals) with $1 = period_start and $2 = period_end.  Its rows
 * are (kpi text, additive boolean, grid_id bigint, person name, product text,
 * num numeric, den numeric) at the finest grain.  Each row is added, in one
 * pass and one hash table, to every figure it belongs to:
 *   person   (kpi, grid, person, product)   when it has a grid and a person,
 *   grid / region (kpi, ancestor, product)  for the grid and each ancestor
 *            up the parent_id tree as gm.grid_closure walks it (64 levels at
 *            most); an ancestor without parent is a region,
 *   company  (kpi, product)
 * each for its product and for all products (product '').  num and den are
 * summed as numeric (exact: a figure is the same sum, in any order, that
 * sum() over the rows would give); the value is num for an additive
 * indicator, num / den otherwise (NULL when den is 0 or NULL).
 *
 * The period's current rows of those indicators are then read from gm.actual
 * and compared on (num, den, value, source) with IS DISTINCT FROM semantics:
 * an unchanged row is not written at all, a changed one is updated (by ctid),
 * a vanished one deleted, a new one inserted — three set-based statements fed
 * with arrays.  Returns the number of figures and the number of rows written.
 *
 * Everything runs with the caller's rights (SECURITY INVOKER) through SPI:
 * gm.compute_actuals takes the per-period advisory lock and checks that the
 * period is open before calling it.  The work memory (hash tables, sums) is
 * one context, deleted at the end.
 */
#include "gm.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#define ACT_FETCH		10000	/* rows per cursor fetch */
#define ACT_MAX_DEPTH	64		/* as gm.grid_closure */

enum
{
	LV_PERSON, LV_GRID, LV_REGION, LV_COMPANY, LV_COUNT
};
static const char *const lv_names[LV_COUNT] = {"person", "grid", "region", "company"};

/* a figure's key: no padding, so whole-struct hashing and comparison are exact */
typedef struct ActKey
{
	int32		kpi;			/* index into the kpis argument */
	int16		level;
	int16		has_grid;
	int64		grid;
	int32		person;			/* interned, -1 for none */
	int32		product;		/* interned, 0 is '' */
} ActKey;

typedef struct ActEntry
{
	ActKey		key;			/* must be first */
	Datum		num;
	Datum		den;
	bool		has_num;
	bool		has_den;
	bool		matched;		/* a current row of gm.actual has this key */
} ActEntry;

/* interned strings: the entry's key is the pointer, hashed and compared by content */
typedef struct StrEntry
{
	char	   *str;			/* must be first */
	int32		id;
} StrEntry;

typedef struct GridEntry
{
	int64		grid;
	int64		parent;
	bool		has_parent;
} GridEntry;

typedef struct ActState
{
	MemoryContext cxt;
	int			nkpis;
	char	  **kpis;
	bool	   *additive;
	bool	   *additive_set;
	int			last_kpi;
	HTAB	   *figures;
	HTAB	   *people;
	HTAB	   *products;
	HTAB	   *grids;
	int32		npeople;
	int32		nproducts;
	char	  **product_names;	/* by id */
	int			product_cap;
	char	  **person_names;	/* by id */
	int			person_cap;
	Datum		zero;			/* numeric 0 */
} ActState;

static uint32
str_hash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
str_match(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static HTAB *
str_table(const char *name, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(StrEntry);
	ctl.hash = str_hash;
	ctl.match = str_match;
	ctl.hcxt = cxt;
	return hash_create(name, 256, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* the id of s; a new one (and a copy of s) when add, else -1 for an unknown string */
static int32
intern(ActState *st, HTAB *tab, char ***names, int *cap, int32 *count, char *s, bool add)
{
	StrEntry   *e;
	bool		found;

	e = hash_search(tab, &s, add ? HASH_ENTER : HASH_FIND, &found);
	if (e == NULL)
		return -1;
	if (!found)
	{
		e->str = MemoryContextStrdup(st->cxt, s);
		e->id = (*count)++;
		if (e->id >= *cap)
		{
			int			ncap = Max(64, *cap * 2);

			*names = *names == NULL ? MemoryContextAlloc(st->cxt, ncap * sizeof(char *))
				: repalloc(*names, ncap * sizeof(char *));
			*cap = ncap;
		}
		(*names)[e->id] = e->str;
	}
	return e->id;
}

static int
kpi_index(ActState *st, const char *code)
{
	int			i;

	if (st->last_kpi >= 0 && strcmp(st->kpis[st->last_kpi], code) == 0)
		return st->last_kpi;
	for (i = 0; i < st->nkpis; i++)
		if (strcmp(st->kpis[i], code) == 0)
			return st->last_kpi = i;
	return -1;
}

static Datum
num_add(Datum a, Datum b)
{
	return NumericGetDatum(numeric_add_opt_error(DatumGetNumeric(a), DatumGetNumeric(b), NULL));
}

static void
add_to(ActState *st, const ActKey *key, Datum num, bool num_null, Datum den, bool den_null)
{
	ActEntry   *e;
	bool		found;

	e = hash_search(st->figures, key, HASH_ENTER, &found);
	if (!found)
	{
		e->has_num = e->has_den = e->matched = false;
		e->num = e->den = (Datum) 0;
	}
	if (!num_null)
	{
		if (e->has_num)
		{
			Datum		old = e->num;

			e->num = num_add(old, num);
			pfree(DatumGetPointer(old));
		}
		else
			e->num = datumCopy(num, false, -1);
		e->has_num = true;
	}
	if (!den_null)
	{
		if (e->has_den)
		{
			Datum		old = e->den;

			e->den = num_add(old, den);
			pfree(DatumGetPointer(old));
		}
		else
			e->den = datumCopy(den, false, -1);
		e->has_den = true;
	}
}

/* the grid tree: grid -> parent, read once */
static void
load_grids(ActState *st)
{
	HASHCTL		ctl;
	uint64		i;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int64);
	ctl.entrysize = sizeof(GridEntry);
	ctl.hcxt = st->cxt;
	st->grids = hash_create("gm actuals grids", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	if (SPI_execute("SELECT g.grid_id, g.parent_id FROM gm.grid g", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "cannot read gm.grid");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, SPI_tuptable->tupdesc, 1, &isnull));
		Datum		p = SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull);
		GridEntry  *g = hash_search(st->grids, &id, HASH_ENTER, NULL);

		g->has_parent = !isnull;
		g->parent = isnull ? 0 : DatumGetInt64(p);
	}
	SPI_freetuptable(SPI_tuptable);
}

/* the raw query's columns: (text, boolean, bigint, name, text, numeric, numeric) */
static void
check_raw_columns(TupleDesc desc)
{
	static const Oid want[7] = {TEXTOID, BOOLOID, INT8OID, NAMEOID, TEXTOID, NUMERICOID, NUMERICOID};
	int			i;

	if (desc->natts != 7)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the indicators' rows have %d columns, not 7", desc->natts),
				 errhint("An indicator function returns TABLE(grid_id bigint, person name, product text, num numeric, den numeric).")));
	for (i = 0; i < 7; i++)
		if (TupleDescAttr(desc, i)->atttypid != want[i])
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("column %d of the indicators' rows is of type %s, not %s", i + 1,
							format_type_be(TupleDescAttr(desc, i)->atttypid), format_type_be(want[i])),
					 errhint("An indicator function returns TABLE(grid_id bigint, person name, product text, num numeric, den numeric).")));
}

/* one row of the raw query, added to all its figures */
static void
add_raw_row(ActState *st, HeapTuple tup, TupleDesc desc)
{
	bool		isnull,
				grid_null,
				person_null,
				num_null,
				den_null;
	Datum		d;
	int			k;
	int64		grid;
	int32		person = -1;
	int32		products[2];
	int			nprod = 1,
				p;
	Datum		num,
				den;
	char	   *s;
	ActKey		key;

	d = SPI_getbinval(tup, desc, 1, &isnull);
	if (isnull)
		return;
	s = TextDatumGetCString(d);
	k = kpi_index(st, s);
	pfree(s);
	if (k < 0)
		return;
	if (!st->additive_set[k])
	{
		d = SPI_getbinval(tup, desc, 2, &isnull);
		st->additive[k] = !isnull && DatumGetBool(d);
		st->additive_set[k] = true;
	}
	d = SPI_getbinval(tup, desc, 3, &grid_null);
	grid = grid_null ? 0 : DatumGetInt64(d);
	d = SPI_getbinval(tup, desc, 4, &person_null);
	if (!person_null)
		person = intern(st, st->people, &st->person_names, &st->person_cap, &st->npeople,
						NameStr(*DatumGetName(d)), true);
	products[0] = 0;			/* '' */
	d = SPI_getbinval(tup, desc, 5, &isnull);
	if (!isnull)
	{
		s = TextDatumGetCString(d);
		if (s[0] != '\0')
			products[nprod++] = intern(st, st->products, &st->product_names, &st->product_cap,
									   &st->nproducts, s, true);
		pfree(s);
	}
	num = SPI_getbinval(tup, desc, 6, &num_null);
	den = SPI_getbinval(tup, desc, 7, &den_null);

	for (p = 0; p < nprod; p++)
	{
		memset(&key, 0, sizeof(key));
		key.kpi = k;
		key.product = products[p];
		key.person = -1;
		/* company */
		key.level = LV_COMPANY;
		add_to(st, &key, num, num_null, den, den_null);
		if (grid_null)
			continue;
		key.has_grid = 1;
		key.grid = grid;
		/* the person in their grid */
		if (!person_null)
		{
			key.level = LV_PERSON;
			key.person = person;
			add_to(st, &key, num, num_null, den, den_null);
			key.person = -1;
		}
		/* the grid and its ancestors, as gm.grid_closure */
		{
			int64		a = grid;
			int			depth = 0;
			GridEntry  *g;

			while ((g = hash_search(st->grids, &a, HASH_FIND, NULL)) != NULL)
			{
				key.grid = a;
				key.level = g->has_parent ? LV_GRID : LV_REGION;
				add_to(st, &key, num, num_null, den, den_null);
				if (!g->has_parent || depth >= ACT_MAX_DEPTH)
					break;
				a = g->parent;
				depth++;
			}
		}
	}
}

/* the figure's value: num (additive) or num / den, NULL when either is NULL or den is 0 */
static bool
figure_value(ActState *st, ActEntry *e, Datum *value)
{
	if (st->additive[e->key.kpi])
	{
		*value = e->num;
		return e->has_num;
	}
	if (!e->has_num || !e->has_den ||
		DatumGetBool(DirectFunctionCall2(numeric_eq, e->den, st->zero)))
		return false;
	*value = DirectFunctionCall2(numeric_div, e->num, e->den);
	return true;
}

/* (a, a_null) IS DISTINCT FROM (b, b_null) for numerics */
static bool
num_distinct(Datum a, bool a_null, Datum b, bool b_null)
{
	if (a_null || b_null)
		return a_null != b_null;
	return !DatumGetBool(DirectFunctionCall2(numeric_eq, a, b));
}

/* growing arrays of datums with null flags */
typedef struct Col
{
	Datum	   *v;
	bool	   *n;
} Col;

static void
col_init(Col *c, int cap)
{
	c->v = palloc(Max(cap, 1) * sizeof(Datum));
	c->n = palloc0(Max(cap, 1) * sizeof(bool));
}

static Datum
col_array(Col *c, int count, Oid type)
{
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			dims[1] = {count};
	int			lbs[1] = {1};

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(c->v, c->n, 1, dims, lbs, type, typlen, typbyval, typalign));
}

static void
col_grow(Col *c, int cap)
{
	c->v = repalloc(c->v, cap * sizeof(Datum));
	c->n = repalloc(c->n, cap * sizeof(bool));
}

/* one of the three set-based writes; returns the rows it wrote */
static uint64
spi_write(const char *sql, int nargs, Oid *types, Datum *vals, int expect, const char *what)
{
	if (SPI_execute_with_args(sql, nargs, types, vals, NULL, false, 0) != expect)
		elog(ERROR, "%s the actuals failed", what);
	return SPI_processed;
}

PG_FUNCTION_INFO_V1(gm_actuals_merge);
Datum
gm_actuals_merge(PG_FUNCTION_ARGS)
{
	text	   *raw_query;
	Datum		period_kind,
				period_start,
				period_end,
				kpis_arr;
	ArrayType  *kpis;
	Datum	   *kd;
	bool	   *kn;
	int			nk,
				i;
	ActState	st;
	HASHCTL		ctl;
	MemoryContext caller = CurrentMemoryContext;
	Portal		portal;
	Oid			raw_types[2] = {DATEOID, DATEOID};
	Datum		raw_vals[2];
	Oid			cur_types[3] = {DATEOID, TEXTOID, TEXTARRAYOID};
	Datum		cur_vals[3];
	int64		nrows,
				written = 0;
	/* the writes */
	int			nins = 0,
				nupd = 0,
				ndel = 0,
				cap_upd = 1024,
				cap_del = 256;
	Col			u_tid,
				u_num,
				u_den,
				u_val,
				d_tid;
	TupleDesc	rdesc;
	Datum		result[2];
	bool		rnull[2] = {false, false};

	for (i = 0; i < 5; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("gm._actuals_merge: argument %d must not be NULL", i + 1)));
	raw_query = PG_GETARG_TEXT_PP(0);
	period_kind = PG_GETARG_DATUM(1);
	period_start = PG_GETARG_DATUM(2);
	period_end = PG_GETARG_DATUM(3);
	kpis_arr = PG_GETARG_DATUM(4);
	kpis = DatumGetArrayTypeP(kpis_arr);
	if (get_call_result_type(fcinfo, NULL, &rdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "gm._actuals_merge must return a record");

	memset(&st, 0, sizeof(st));
	st.cxt = AllocSetContextCreate(CurrentMemoryContext, "gm actuals merge", ALLOCSET_DEFAULT_SIZES);
	st.last_kpi = -1;
	st.zero = NumericGetDatum(int64_to_numeric(0));
	deconstruct_array(kpis, TEXTOID, -1, false, TYPALIGN_INT, &kd, &kn, &nk);
	st.nkpis = nk;
	st.kpis = MemoryContextAlloc(st.cxt, Max(nk, 1) * sizeof(char *));
	st.additive = MemoryContextAllocZero(st.cxt, Max(nk, 1) * sizeof(bool));
	st.additive_set = MemoryContextAllocZero(st.cxt, Max(nk, 1) * sizeof(bool));
	for (i = 0; i < nk; i++)
	{
		char	   *s = kn[i] ? "" : TextDatumGetCString(kd[i]);

		st.kpis[i] = MemoryContextStrdup(st.cxt, s);
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ActKey);
	ctl.entrysize = sizeof(ActEntry);
	ctl.hcxt = st.cxt;
	st.figures = hash_create("gm actuals figures", 16384, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	st.people = str_table("gm actuals people", st.cxt);
	st.products = str_table("gm actuals products", st.cxt);
	/* product 0 is '' */
	(void) intern(&st, st.products, &st.product_names, &st.product_cap, &st.nproducts, "", true);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	load_grids(&st);

	/* the raw rows, added up as they come */
	raw_vals[0] = period_start;
	raw_vals[1] = period_end;
	portal = SPI_cursor_open_with_args(NULL, text_to_cstring(raw_query), 2, raw_types, raw_vals, NULL, true, 0);
	for (;;)
	{
		uint64		r;
		MemoryContext old;

		SPI_cursor_fetch(portal, true, ACT_FETCH);
		if (SPI_processed == 0)
			break;
		check_raw_columns(SPI_tuptable->tupdesc);
		old = MemoryContextSwitchTo(st.cxt);
		for (r = 0; r < SPI_processed; r++)
			add_raw_row(&st, SPI_tuptable->vals[r], SPI_tuptable->tupdesc);
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	nrows = hash_get_num_entries(st.figures);

	/* the period's current rows: compare, keep, update or delete */
	{
		MemoryContext old = MemoryContextSwitchTo(st.cxt);

		col_init(&u_tid, cap_upd);
		col_init(&u_num, cap_upd);
		col_init(&u_den, cap_upd);
		col_init(&u_val, cap_upd);
		col_init(&d_tid, cap_del);
		MemoryContextSwitchTo(old);
	}
	cur_vals[0] = period_start;
	cur_vals[1] = period_kind;
	cur_vals[2] = kpis_arr;
	portal = SPI_cursor_open_with_args(NULL,
									   "SELECT a.ctid, a.kpi, a.level, a.grid_id, a.person, a.product, a.num, a.den, a.value, a.source"
									   "  FROM gm.actual a"
									   " WHERE a.period_start = $1 AND a.period_kind = $2 AND a.kpi = ANY ($3)",
									   3, cur_types, cur_vals, NULL, true, 0);
	for (;;)
	{
		uint64		r;
		MemoryContext old;

		SPI_cursor_fetch(portal, true, ACT_FETCH);
		if (SPI_processed == 0)
			break;
		old = MemoryContextSwitchTo(st.cxt);
		for (r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull,
						ok = true;
			ActKey		key;
			ActEntry   *e = NULL;
			Datum		tid = SPI_getbinval(tup, desc, 1, &isnull);
			Datum		d;
			char	   *s;
			int			lv;

			memset(&key, 0, sizeof(key));
			s = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
			key.kpi = kpi_index(&st, s);
			s = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
			for (lv = 0; lv < LV_COUNT && strcmp(lv_names[lv], s) != 0; lv++)
				;
			key.level = lv;
			d = SPI_getbinval(tup, desc, 4, &isnull);
			key.has_grid = !isnull;
			key.grid = isnull ? 0 : DatumGetInt64(d);
			d = SPI_getbinval(tup, desc, 5, &isnull);
			key.person = isnull ? -1 : intern(&st, st.people, &st.person_names, &st.person_cap,
											  &st.npeople, NameStr(*DatumGetName(d)), false);
			if (!isnull && key.person < 0)
				ok = false;
			d = SPI_getbinval(tup, desc, 6, &isnull);
			key.product = intern(&st, st.products, &st.product_names, &st.product_cap, &st.nproducts,
								 isnull ? "" : TextDatumGetCString(d), false);
			if (key.kpi < 0 || lv == LV_COUNT || key.product < 0)
				ok = false;
			if (ok)
				e = hash_search(st.figures, &key, HASH_FIND, NULL);
			if (e == NULL || e->matched)
			{
				/* vanished (or a second row of one figure, which the key forbids) */
				if (ndel == cap_del)
					col_grow(&d_tid, cap_del *= 2);
				d_tid.v[ndel] = datumCopy(tid, false, sizeof(ItemPointerData));
				d_tid.n[ndel++] = false;
			}
			else
			{
				Datum		cnum,
							cden,
							cval,
							val = (Datum) 0;
				bool		cnum_n,
							cden_n,
							cval_n,
							src_n,
							has_val;
				char	   *src;

				e->matched = true;
				cnum = SPI_getbinval(tup, desc, 7, &cnum_n);
				cden = SPI_getbinval(tup, desc, 8, &cden_n);
				cval = SPI_getbinval(tup, desc, 9, &cval_n);
				d = SPI_getbinval(tup, desc, 10, &src_n);
				src = src_n ? NULL : TextDatumGetCString(d);
				has_val = figure_value(&st, e, &val);
				if (src == NULL || strcmp(src, "computed") != 0 ||
					num_distinct(cnum, cnum_n, e->num, !e->has_num) ||
					num_distinct(cden, cden_n, e->den, !e->has_den) ||
					num_distinct(cval, cval_n, val, !has_val))
				{
					if (nupd == cap_upd)
					{
						cap_upd *= 2;
						col_grow(&u_tid, cap_upd);
						col_grow(&u_num, cap_upd);
						col_grow(&u_den, cap_upd);
						col_grow(&u_val, cap_upd);
					}
					u_tid.v[nupd] = datumCopy(tid, false, sizeof(ItemPointerData));
					u_tid.n[nupd] = false;
					u_num.v[nupd] = e->num;
					u_num.n[nupd] = !e->has_num;
					u_den.v[nupd] = e->den;
					u_den.n[nupd] = !e->has_den;
					u_val.v[nupd] = val;
					u_val.n[nupd] = !has_val;
					nupd++;
				}
			}
		}
		MemoryContextSwitchTo(old);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);

	/* the new figures */
	{
		HASH_SEQ_STATUS hs;
		ActEntry   *e;
		Col			c_kpi,
					c_lv,
					c_grid,
					c_person,
					c_product,
					c_num,
					c_den,
					c_val;
		MemoryContext old = MemoryContextSwitchTo(st.cxt);
		int			cap = (int) Max(nrows, 1);

		col_init(&c_kpi, cap);
		col_init(&c_lv, cap);
		col_init(&c_grid, cap);
		col_init(&c_person, cap);
		col_init(&c_product, cap);
		col_init(&c_num, cap);
		col_init(&c_den, cap);
		col_init(&c_val, cap);
		hash_seq_init(&hs, st.figures);
		while ((e = hash_seq_search(&hs)) != NULL)
		{
			Datum		val = (Datum) 0;
			bool		has_val;

			if (e->matched)
				continue;
			has_val = figure_value(&st, e, &val);
			c_kpi.v[nins] = CStringGetTextDatum(st.kpis[e->key.kpi]);
			c_lv.v[nins] = CStringGetTextDatum(lv_names[e->key.level]);
			c_grid.v[nins] = Int64GetDatum(e->key.grid);
			c_grid.n[nins] = !e->key.has_grid;
			if (e->key.person >= 0)
			{
				Name		n = palloc0(sizeof(NameData));

				namestrcpy(n, st.person_names[e->key.person]);
				c_person.v[nins] = NameGetDatum(n);
			}
			else
				c_person.n[nins] = true;
			c_product.v[nins] = CStringGetTextDatum(st.product_names[e->key.product]);
			c_num.v[nins] = e->num;
			c_num.n[nins] = !e->has_num;
			c_den.v[nins] = e->den;
			c_den.n[nins] = !e->has_den;
			c_val.v[nins] = val;
			c_val.n[nins] = !has_val;
			nins++;
		}
		if (nins > 0)
		{
			Oid			types[10] = {TEXTARRAYOID, TEXTARRAYOID, INT8ARRAYOID, NAMEARRAYOID, TEXTARRAYOID,
				NUMERICARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID, TEXTOID, DATEOID};
			Datum		vals[10];

			vals[0] = col_array(&c_kpi, nins, TEXTOID);
			vals[1] = col_array(&c_lv, nins, TEXTOID);
			vals[2] = col_array(&c_grid, nins, INT8OID);
			vals[3] = col_array(&c_person, nins, NAMEOID);
			vals[4] = col_array(&c_product, nins, TEXTOID);
			vals[5] = col_array(&c_num, nins, NUMERICOID);
			vals[6] = col_array(&c_den, nins, NUMERICOID);
			vals[7] = col_array(&c_val, nins, NUMERICOID);
			vals[8] = period_kind;
			vals[9] = period_start;
			MemoryContextSwitchTo(old);
			written += spi_write("INSERT INTO gm.actual (kpi, period_kind, period_start, level, grid_id, person, product, num, den, value, source)"
									  " SELECT u.kpi, $9, $10, u.level, u.grid_id, u.person, u.product, u.num, u.den, u.value, 'computed'"
									  "   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4),"
									  "                  pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8)) u(kpi, level, grid_id, person, product, num, den, value)",
								 10, types, vals, SPI_OK_INSERT, "inserting");
		}
		else
			MemoryContextSwitchTo(old);
	}
	if (nupd > 0)
	{
		Oid			types[7] = {TIDARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID, NUMERICARRAYOID,
			DATEOID, TEXTOID, TEXTARRAYOID};
		Datum		vals[7];
		MemoryContext old = MemoryContextSwitchTo(st.cxt);

		vals[0] = col_array(&u_tid, nupd, TIDOID);
		vals[1] = col_array(&u_num, nupd, NUMERICOID);
		vals[2] = col_array(&u_den, nupd, NUMERICOID);
		vals[3] = col_array(&u_val, nupd, NUMERICOID);
		vals[4] = period_start;
		vals[5] = period_kind;
		vals[6] = kpis_arr;
		MemoryContextSwitchTo(old);
		written += spi_write("UPDATE gm.actual a SET num = u.num, den = u.den, value = u.value, source = 'computed',"
								  "       recorded_at = pg_catalog.now(), recorded_by = gm.actor()"
								  "  FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) u(tid, num, den, value)"
								  " WHERE a.ctid = u.tid AND a.period_start = $5 AND a.period_kind = $6 AND a.kpi = ANY ($7)",
							 7, types, vals, SPI_OK_UPDATE, "updating");
	}
	if (ndel > 0)
	{
		Oid			types[4] = {TIDARRAYOID, DATEOID, TEXTOID, TEXTARRAYOID};
		Datum		vals[4];
		MemoryContext old = MemoryContextSwitchTo(st.cxt);

		vals[0] = col_array(&d_tid, ndel, TIDOID);
		vals[1] = period_start;
		vals[2] = period_kind;
		vals[3] = kpis_arr;
		MemoryContextSwitchTo(old);
		written += spi_write("DELETE FROM gm.actual a"
								  " WHERE a.ctid = ANY ($1) AND a.period_start = $2 AND a.period_kind = $3 AND a.kpi = ANY ($4)",
							 4, types, vals, SPI_OK_DELETE, "deleting");
	}
	SPI_finish();
	MemoryContextSwitchTo(caller);
	MemoryContextDelete(st.cxt);

	result[0] = Int64GetDatum(nrows);
	result[1] = Int64GetDatum(written);
	rdesc = BlessTupleDesc(rdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(rdesc, result, rnull)));
}
