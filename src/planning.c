/*
 * planning.c — balanced grid design by recursive weighted bisection.
 *
 * gm._design_cells(region geometry, fixed geometry, points geometry[], weights float8[], n, max_weight, srid)
 * cuts the bounding box of the region into n axis-parallel boxes whose customers (points) carry
 * near-equal total weight.  The SQL wrapper gm.design_grids() intersects every box with the
 * region (PostGIS) to get the grid polygons.
 *
 * The cut rule, which makes the point assignment agree with the polygons:
 *   a piece holding k grids is split into k1 = floor(k/2) and k2 = k - k1 grids across the
 *   longer side of its box; its points are sorted by (coordinate on that axis, point index);
 *   the first m points go to the low side, where m is the prefix whose weight is closest to
 *   total * k1 / k (each side keeping at least as many points as grids); the cut line lies at
 *   the midpoint between the m-th and (m+1)-th coordinate, or exactly on them when they are
 *   equal.  A point on a cut line is therefore covered by both boxes (closed) and belongs to
 *   the side its index order puts it in: counted once, covered by its own grid's polygon.
 *
 * Geometry is read without liblwgeom, by the extension's one reader of PostGIS's serialized
 * form (geom.c): the region, the union of fixed grids and the points; a point is covered by
 * the region exactly when PostGIS's ST_Covers says so (gm_poly_covers).
 */
#include "gm.h"
#include "planning.h"
#include "geom.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

/* ------------------------------------------------------------------ geometries (geom.c) */

/* the region (or the union of fixed grids): a non-empty (Multi)Polygon with finite coordinates */
static GmPoly *
read_polygonal(Datum d, const char *what)
{
	struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	GmPoly	   *p = palloc(sizeof(GmPoly));
	GmGser		g;
	int			r;
	uint32		i;

	gm_gser_parse(v, &g);
	if (g.type != GM_POLYGONTYPE && g.type != GM_MULTIPOLYGONTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a Polygon or MultiPolygon, not %s (geometry type %u)",
						what, gm_geom_type_name(g.type), g.type),
				 errhint("Pass the polygons of the area, e.g. ST_CollectionExtract(geom, 3).")));
	gm_gser_polygons(&g, p);
	for (r = 0; r < p->nrings; r++)
	{
		const GmRing *ring = &p->rings[r];

		CHECK_FOR_INTERRUPTS();
		if (ring->npts < 4)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s has a ring of %u points", what, ring->npts)));
		for (i = 0; i < 2 * ring->npts; i++)
			if (!isfinite(ring->xy[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("%s has a non-finite coordinate", what)));
	}
	if (p->nrings == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is empty", what)));
	return p;
}

/* points[idx]: a non-empty point of the region's SRID with finite coordinates */
static void
read_point(Datum d, int idx, int32 want_srid, double *x, double *y)
{
	struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	GmGser		g;

	gm_gser_parse(v, &g);
	if (g.type != GM_POINTTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("points[%d] is not a point (geometry type %u)", idx, g.type),
				 errhint("Pass customer locations as points, e.g. ST_PointOnSurface(geom).")));
	if (!gm_gser_point(&g, x, y))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("points[%d] is an empty point", idx)));
	if (g.srid != want_srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("points[%d] has SRID %d, the region has SRID %d", idx, g.srid, want_srid),
				 errhint("Transform the points to the region's SRID with ST_Transform(geom, srid).")));
	if (!isfinite(*x) || !isfinite(*y))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("points[%d] has a non-finite coordinate", idx)));
	if ((Pointer) v != DatumGetPointer(d))
		pfree(v);
}

/* ------------------------------------------------------------------ bisection */

typedef struct DPoint
{
	double		c[2];			/* x, y */
	double		w;
	int32		idx;			/* 1-based position in the input array */
} DPoint;

typedef struct Cell
{
	double		lo[2], hi[2];
	int			first, count;	/* range in the orderings */
	double		weight;
} Cell;

/*
 * Both orderings of the points (by x and by y, ties by input position) are kept for every
 * piece, as ranges of ord[0] and ord[1] holding the same points: a split takes a prefix of
 * one ordering and stably partitions the other one, so nothing is sorted twice.
 */
typedef struct Design
{
	DPoint	   *pts;
	int			npts;
	int32	   *sorted[2];		/* pristine orderings, for repeated designs */
	int32	   *ord[2];
	int32	   *tmp;
	bool	   *low;			/* per point: on the low side of the current cut */
	Cell	   *cells;
	int			ncells;
	int			axis_rule;		/* which axis a piece is cut across first, see first_axis() */
} Design;

/*
 * Rule 0 (the default): across the longer side of the piece's box, which keeps grids compact.
 * Rules 1-3 exist for non-convex areas, where another order of cuts may leave fewer grids in
 * several parts: 1 across the shorter side, 2 x first then alternating by depth, 3 y first.
 */
static int
first_axis(const Design *d, int depth, const double *blo, const double *bhi)
{
	switch (d->axis_rule)
	{
		case 1:
			return (bhi[0] - blo[0] >= bhi[1] - blo[1]) ? 1 : 0;
		case 2:
			return depth % 2;
		case 3:
			return 1 - depth % 2;
		default:
			return (bhi[0] - blo[0] >= bhi[1] - blo[1]) ? 0 : 1;
	}
}

/* (coordinate, position) pairs, sorted with an inlined comparison (PostgreSQL's sort template) */
typedef struct SortKey
{
	double		key;
	int32		pos;
} SortKey;

#define ST_SORT sort_keys
#define ST_ELEMENT_TYPE SortKey
#define ST_COMPARE(a, b) ((a)->key < (b)->key ? -1 : (a)->key > (b)->key ? 1 : \
						  ((a)->pos > (b)->pos) - ((a)->pos < (b)->pos))
#define ST_SCOPE static
#define ST_CHECK_FOR_INTERRUPTS	/* a million points take a while: cancellable */
#define ST_DECLARE
#define ST_DEFINE
#include "lib/sort_template.h"

static void
bisect(Design *d, int lo, int hi, int k, const double *blo, const double *bhi, int depth)
{
	DPoint	   *p = d->pts;
	int			cnt = hi - lo;
	int			k1,
				k2,
				axis,
				m = -1,
				i,
				try;
	double		total = 0,
				cut = 0;
	double		nlo[2], nhi[2];
	int32	   *o;

	CHECK_FOR_INTERRUPTS();
	for (i = lo; i < hi; i++)
		total += p[d->ord[0][i]].w;
	if (k == 1)
	{
		Cell	   *c = &d->cells[d->ncells++];

		c->lo[0] = blo[0];
		c->lo[1] = blo[1];
		c->hi[0] = bhi[0];
		c->hi[1] = bhi[1];
		c->first = lo;
		c->count = cnt;
		c->weight = total;
		return;
	}
	k1 = k / 2;
	k2 = k - k1;

	/* the rule's axis first; the other axis if that cut would give an empty box */
	axis = first_axis(d, depth, blo, bhi);
	for (try = 0; try < 2 && cnt >= k; try++, axis = 1 - axis)
	{
		int			mlo = lo + k1,
					mhi = hi - k2;
		double		target = total * k1 / k,
					acc = 0,
					best = INFINITY;
		double		a,
					b;

		o = d->ord[axis];
		for (i = lo; i < mlo; i++)
			acc += p[o[i]].w;
		m = mlo;
		for (i = mlo; i <= mhi; i++)
		{
			double		err = fabs(acc - target);

			if (err < best)
			{
				best = err;
				m = i;
			}
			if (i < hi)
				acc += p[o[i]].w;
			if (acc - target > best)
				break;			/* prefix only grows (weights >= 0) */
		}
		a = p[o[m - 1]].c[axis];
		b = p[o[m]].c[axis];
		cut = (a == b) ? a : a + (b - a) / 2;
		if (cut < a)
			cut = a;
		if (cut > b)
			cut = b;
		if (cut > blo[axis] && cut < bhi[axis])
			break;
		m = -1;
	}
	if (m < 0)
	{
		/* degenerate: points piled on the box edge; cut the box in the middle */
		axis = (bhi[0] - blo[0] >= bhi[1] - blo[1]) ? 0 : 1;
		cut = blo[axis] + (bhi[axis] - blo[axis]) / 2;
		o = d->ord[axis];
		for (m = lo; m < hi && p[o[m]].c[axis] <= cut; m++)
			;
	}

	/* the chosen ordering splits as a prefix; partition the other one stably */
	o = d->ord[axis];
	for (i = lo; i < hi; i++)
		d->low[o[i]] = (i < m);
	{
		int32	   *q = d->ord[1 - axis];
		int			nl = 0,
					nr = m - lo;

		for (i = lo; i < hi; i++)
		{
			if (d->low[q[i]])
				d->tmp[nl++] = q[i];
			else
				d->tmp[nr++] = q[i];
		}
		memcpy(q + lo, d->tmp, sizeof(int32) * cnt);
	}

	memcpy(nlo, blo, sizeof(nlo));
	memcpy(nhi, bhi, sizeof(nhi));
	nhi[axis] = cut;
	bisect(d, lo, m, k1, blo, nhi, depth + 1);
	nlo[axis] = cut;
	bisect(d, m, hi, k2, nlo, bhi, depth + 1);
}

static void
design_prepare(Design *d)
{
	SortKey    *keys = palloc(sizeof(SortKey) * Max(d->npts, 1));
	int			axis,
				i;

	for (axis = 0; axis < 2; axis++)
	{
		for (i = 0; i < d->npts; i++)
		{
			keys[i].key = d->pts[i].c[axis];
			keys[i].pos = i;
		}
		sort_keys(keys, d->npts);
		d->sorted[axis] = palloc(sizeof(int32) * Max(d->npts, 1));
		d->ord[axis] = palloc(sizeof(int32) * Max(d->npts, 1));
		for (i = 0; i < d->npts; i++)
			d->sorted[axis][i] = keys[i].pos;
	}
	pfree(keys);
	d->tmp = palloc(sizeof(int32) * Max(d->npts, 1));
	d->low = palloc(sizeof(bool) * Max(d->npts, 1));
	d->cells = NULL;
}

static void
design(Design *d, int k, const GmPoly *region)
{
	double		blo[2] = {region->xmin, region->ymin};
	double		bhi[2] = {region->xmax, region->ymax};

	memcpy(d->ord[0], d->sorted[0], sizeof(int32) * d->npts);
	memcpy(d->ord[1], d->sorted[1], sizeof(int32) * d->npts);
	if (d->cells)
		pfree(d->cells);
	d->ncells = 0;
	d->cells = palloc(sizeof(Cell) * k);
	bisect(d, 0, d->npts, k, blo, bhi, 0);
}

static double
max_cell_weight(const Design *d)
{
	double		mx = 0;
	int			i;

	for (i = 0; i < d->ncells; i++)
		mx = Max(mx, d->cells[i].weight);
	return mx;
}

/* the arguments of one gm._design_cells call, checked and read */
typedef struct DesignCall
{
	GmPoly	   *region;
	GmPoly	   *fixed;			/* NULL: no fixed grids */
	int32		srid;
	int			n;				/* grids asked for; 0: the fewest that respect cap */
	bool		have_cap;
	double		cap;			/* max_weight */
	bool		with_members;
	int			axis_rule;
	Datum	   *pelems;			/* points[] */
	bool	   *pnulls;
	int			np;
	float8	   *w;				/* weights[], NULL: every point weighs 1 */
	double		total;			/* weight of the points used */
	double		wmax;			/* heaviest point used */
} DesignCall;

/*
 * Takes the call's arguments; checks the scalar ones (region, points and srid
 * given; n positive or max_weight given; max_weight positive) and gives them
 * in c.
 */
static void
check_arguments(FunctionCallInfo fcinfo, DesignCall *c)
{
	c->have_cap = !PG_ARGISNULL(5);
	c->cap = c->have_cap ? PG_GETARG_FLOAT8(5) : 0;
	c->with_members = PG_ARGISNULL(7) ? true : PG_GETARG_BOOL(7);
	c->axis_rule = PG_ARGISNULL(8) ? 0 : PG_GETARG_INT32(8);
	c->n = 0;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("region must not be NULL")));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("points must not be NULL")));
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("srid must not be NULL")));
	c->srid = PG_GETARG_INT32(6);
	if (PG_ARGISNULL(4) && !c->have_cap)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the number of grids n must be given (or max_weight, to choose it)")));
	if (!PG_ARGISNULL(4))
	{
		c->n = PG_GETARG_INT32(4);
		if (c->n <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("the number of grids must be positive, not %d", c->n)));
	}
	if (c->have_cap && !(c->cap > 0 && isfinite(c->cap)))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_weight must be a positive number, not %g", c->cap)));
}

/*
 * Takes the call's arguments; gives the region and fixed grids (read and
 * checked), the points array's elements, and the weights (c->w, checked:
 * as many as points, each finite and >= 0), NULL when not given.
 */
static void
read_inputs(FunctionCallInfo fcinfo, DesignCall *c)
{
	ArrayType  *parr;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	c->region = read_polygonal(PG_GETARG_DATUM(0), "region");
	c->fixed = PG_ARGISNULL(1) ? NULL : read_polygonal(PG_GETARG_DATUM(1), "fixed grids");

	parr = PG_GETARG_ARRAYTYPE_P(2);
	get_typlenbyvalalign(ARR_ELEMTYPE(parr), &typlen, &typbyval, &typalign);
	deconstruct_array(parr, ARR_ELEMTYPE(parr), typlen, typbyval, typalign, &c->pelems, &c->pnulls, &c->np);

	c->w = NULL;
	if (!PG_ARGISNULL(3))
	{
		ArrayType  *warr = PG_GETARG_ARRAYTYPE_P(3);
		Datum	   *we;
		bool	   *wn;
		int			nw,
					i;

		if (ARR_ELEMTYPE(warr) != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("weights must be float8[]")));
		deconstruct_array(warr, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &we, &wn, &nw);
		if (nw != c->np)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%d points but %d weights", c->np, nw),
					 errhint("Give one weight per point, or NULL for equal weights.")));
		c->w = palloc(sizeof(float8) * Max(nw, 1));
		for (i = 0; i < nw; i++)
		{
			if (wn[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("weights[%d] is NULL", i + 1)));
			c->w[i] = DatumGetFloat8(we[i]);
			if (!(c->w[i] >= 0) || !isfinite(c->w[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("weights[%d] must be a finite number >= 0, not %g", i + 1, c->w[i])));
		}
	}
}

/*
 * Takes the points and weights; gives d->pts and d->npts, the points outside
 * the fixed grids (each must lie in the region), in input order, with
 * c->total and c->wmax.  Checks for interrupts once per point: a
 * point-in-polygon test against the (possibly large) region.
 */
static void
collect_points(DesignCall *c, Design *d)
{
	int			i,
				nuse = 0;

	c->total = 0;
	c->wmax = 0;
	d->pts = palloc(sizeof(DPoint) * Max(c->np, 1));
	for (i = 0; i < c->np; i++)
	{
		double		x,
					y;

		CHECK_FOR_INTERRUPTS();
		if (c->pnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("points[%d] is NULL", i + 1)));
		read_point(c->pelems[i], i + 1, c->srid, &x, &y);
		if (c->fixed && gm_poly_covers(c->fixed, x, y))
			continue;			/* belongs to a fixed grid */
		if (!gm_poly_covers(c->region, x, y))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("points[%d] (%g %g) lies outside the region%s", i + 1, x, y,
							c->fixed ? " and outside the fixed grids" : "")));
		d->pts[nuse].c[0] = x;
		d->pts[nuse].c[1] = y;
		d->pts[nuse].w = c->w ? c->w[i] : 1.0;
		d->pts[nuse].idx = i + 1;
		c->total += d->pts[nuse].w;
		c->wmax = Max(c->wmax, d->pts[nuse].w);
		nuse++;
	}
	d->npts = nuse;
}

/*
 * Takes the collected points; checks that there are some, that they weigh
 * something, that no point alone exceeds max_weight, and the axis rule.
 */
static void
check_points(const DesignCall *c, const Design *d)
{
	if (d->npts == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("no points to design grids over%s", c->fixed ? " outside the fixed grids" : "")));
	if (!(c->total > 0))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the weights sum to zero"),
				 errhint("Give at least one point a weight above zero.")));
	if (c->have_cap && c->wmax > c->cap)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_weight %g is infeasible: one point alone weighs %g", c->cap, c->wmax)));

	if (c->axis_rule < 0 || c->axis_rule > 3)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("axis_rule must be 0, 1, 2 or 3, not %d", c->axis_rule)));
}

/*
 * n given: takes the prepared design; gives its n cells, checking n against
 * the points and, when max_weight is given, the design against it.
 */
static void
design_n_grids(const DesignCall *c, Design *d)
{
	int			n = c->n;

	if (n > d->npts)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("more grids (%d) than points (%d)", n, d->npts)));
	if (c->have_cap && c->total / n > c->cap)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_weight %g is infeasible for %d grids: the total weight is %g", c->cap, n, c->total),
				 errhint("Use at least %.0f grids, or pass n => NULL to choose the number.", ceil(c->total / c->cap))));
	design(d, n, c->region);
	if (c->have_cap && max_cell_weight(d) > c->cap)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("max_weight %g is infeasible for %d grids: the heaviest grid weighs %g",
						c->cap, n, max_cell_weight(d)),
				 errhint("Use more grids, or pass n => NULL to choose the number.")));
}

/*
 * n not given: takes the prepared design; gives the cells of the smallest n
 * whose design respects max_weight, trying n upwards from total / max_weight.
 */
static void
design_within_cap(const DesignCall *c, Design *d)
{
	double		start = ceil(c->total / c->cap);
	int			n = (int) Min(Max(start, 1.0), (double) d->npts);

	for (;;)
	{
		design(d, n, c->region);
		if (max_cell_weight(d) <= c->cap)
			break;
		if (n >= d->npts)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("max_weight %g is infeasible: even one grid per point exceeds it", c->cap)));
		n++;
	}
}

/* Takes the cells; gives the heaviest cell's weight over the lightest's (infinite if one weighs 0). */
static double
cell_balance(const Design *d)
{
	double		wmax = max_cell_weight(d),
				wmin = INFINITY;
	int			i;

	for (i = 0; i < d->ncells; i++)
		wmin = Min(wmin, d->cells[i].weight);
	return (wmin > 0) ? wmax / wmin : INFINITY;
}

/*
 * Takes the cells; gives the members of every grid in input order, grid after
 * grid, without sorting: positions in d->pts follow the input order, so a
 * counting pass over them lays every grid's list out sorted.
 */
static Datum *
list_members(const Design *d)
{
	int			nuse = d->npts;
	int32	   *cell_of = palloc(sizeof(int32) * Max(nuse, 1));
	int		   *fill = palloc0(sizeof(int) * (d->ncells + 1));
	Datum	   *members;
	int			i,
				j;

	CHECK_FOR_INTERRUPTS();
	for (i = 0; i < d->ncells; i++)
	{
		for (j = 0; j < d->cells[i].count; j++)
			cell_of[d->ord[0][d->cells[i].first + j]] = i;
		fill[i + 1] = fill[i] + d->cells[i].count;
	}
	members = palloc(sizeof(Datum) * Max(nuse, 1));
	for (j = 0; j < nuse; j++)
		members[fill[cell_of[j]]++] = Int32GetDatum(d->pts[j].idx);
	pfree(cell_of);
	pfree(fill);
	return members;
}

/*
 * Takes the cells, the balance and the members (NULL: not asked for); gives
 * the result rows, one per cell.  Checks for interrupts once per row.
 */
static void
emit_cells(FunctionCallInfo fcinfo, const Design *d, double balance, Datum *members)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			members_at = 0,
				i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < d->ncells; i++)
	{
		const Cell *c = &d->cells[i];
		Datum		values[9];
		bool		nulls[9] = {false};

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(i + 1);
		values[1] = Float8GetDatum(c->lo[0]);
		values[2] = Float8GetDatum(c->lo[1]);
		values[3] = Float8GetDatum(c->hi[0]);
		values[4] = Float8GetDatum(c->hi[1]);
		values[5] = Float8GetDatum(c->weight);
		values[6] = Int32GetDatum(c->count);
		values[7] = Float8GetDatum(balance);
		if (members)
		{
			values[8] = PointerGetDatum(construct_array(members + members_at, c->count, INT4OID, 4, true, TYPALIGN_INT));
			members_at += c->count;
		}
		else
			nulls[8] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/*
 * gm._design_cells(region geometry, fixed geometry, points geometry[], weights float8[],
 *                  n int4, max_weight float8, srid int4, with_members bool, axis_rule int4)
 *   RETURNS TABLE(grid_no int4, xmin, ymin, xmax, ymax float8, weight float8,
 *                 customers int4, balance float8, members int4[])
 */
PG_FUNCTION_INFO_V1(gm_design_cells);
Datum
gm_design_cells(PG_FUNCTION_ARGS)
{
	DesignCall	c;
	Design		d;
	double		balance;
	Datum	   *members;

	check_arguments(fcinfo, &c);
	read_inputs(fcinfo, &c);
	collect_points(&c, &d);
	check_points(&c, &d);

	d.axis_rule = c.axis_rule;
	design_prepare(&d);
	if (c.n > 0)
		design_n_grids(&c, &d);
	else
		design_within_cap(&c, &d);

	balance = cell_balance(&d);
	members = c.with_members ? list_members(&d) : NULL;
	emit_cells(fcinfo, &d, balance, members);
	return (Datum) 0;
}
