/*
 * grid.c — gm.assign_grid(): the leaf physical grid covering a point, from a
 * per-backend spatial index of the registry's leaf polygons.
 *
 * Leaf grid: kind 'physical', a non-empty geometry, valid today
 * (valid_from <= current_date < valid_to), and no valid physical descendant
 * with a non-empty geometry.
 *
 * The index is a uniform grid of cells over the leaves' extent (about 16
 * cells per polygon edge).  For each cell it keeps
 *   - the fallback: the smallest leaf that covers the whole cell with no part
 *     of its boundary near the cell (separating-axis test with a safety
 *     margin far above rounding error), decided once at build time from the
 *     cell's centre, where PostGIS's arithmetic is exact;
 *   - the leaves whose boundary comes near the cell and whose grid_id is
 *     smaller than the fallback's, ascending.
 * A point tests those leaves in order with the point-in-polygon test of
 * geom.c (PostGIS's own arithmetic) and takes the first that covers it, else
 * the fallback: the smallest covering grid_id, the tie rule.  Most cells have
 * no such leaf, and a point there costs one array read.
 *
 * The index is built on first use in a backend, from gm.grid through SPI, and
 * rebuilt when gm.grid changes (GmCacheWatch, see gm.h) or the day changes.
 */
#include "gm.h"
#include "geom.h"
#include "grid.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define CELL_NONE	(-1)
#define MAX_CELLS	(4 * 1024 * 1024)

/*
 * A cell: the leaves whose boundary comes near the cell (items[start ..
 * next cell's start), ascending grid_id, only those smaller than the
 * fallback), then the fallback: the smallest leaf covering the whole cell
 * without a boundary near it, or CELL_NONE.
 */
typedef struct GridCell
{
	int32		answer;
	uint32		start;
} GridCell;

typedef struct GridIndex
{
	MemoryContext cxt;
	DateADT		day;			/* current_date the leaves were chosen for */
	int32		srid;			/* registry SRID, -1 when no geometry */
	int			n;				/* leaves, ascending grid_id */
	int64	   *ids;
	GmPoly	   *polys;
	double		x0,
				y0,
				x1,
				y1;				/* extent of the leaves */
	int			nx,
				ny;
	double		sx,
				sy;				/* cells per unit */
	GridCell   *cells;			/* nx*ny + 1 (the last one ends the item list) */
	int32	   *items;
} GridIndex;

static GmCacheWatch grid_watch = {{"grid"}};
static GridIndex *cur = NULL;
static TimestampTz cur_xact_start = 0;

static inline int
cell_x(const GridIndex *ix, double x)
{
	double		f = floor((x - ix->x0) * ix->sx);

	if (!(f > 0))
		return 0;
	if (f >= ix->nx - 1)
		return ix->nx - 1;
	return (int) f;
}

static inline int
cell_y(const GridIndex *ix, double y)
{
	double		f = floor((y - ix->y0) * ix->sy);

	if (!(f > 0))
		return 0;
	if (f >= ix->ny - 1)
		return ix->ny - 1;
	return (int) f;
}

/* growable list of (cell, leaf) pairs: the leaf's boundary comes near the cell */
typedef struct PairList
{
	uint32	   *cell;
	int32	   *leaf;
	Size		n,
				cap;
} PairList;

static void
pair_add(PairList *pl, uint32 c, int32 k)
{
	if (pl->n == pl->cap)
	{
		pl->cap = pl->cap ? pl->cap * 2 : 4096;
		if (pl->cap > MaxAllocSize / sizeof(uint32))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("grid registry too large for the spatial index")));
		pl->cell = pl->cell ? repalloc(pl->cell, pl->cap * sizeof(uint32)) : palloc(pl->cap * sizeof(uint32));
		pl->leaf = pl->leaf ? repalloc(pl->leaf, pl->cap * sizeof(int32)) : palloc(pl->cap * sizeof(int32));
	}
	pl->cell[pl->n] = c;
	pl->leaf[pl->n] = k;
	pl->n++;
}

/*
 * Mark, in the leaf's own window of cells (bw wide, origin i00/j00), the
 * cells that the edge a-b comes within margin m of: separating-axis test of
 * the segment against the cell grown by m (the bounding boxes overlap by
 * construction of the loop).
 */
static void
mark_edge(const GridIndex *ix, uint8 *win, int i00, int j00, int bw, int bh,
		  const double *a, const double *b, double m)
{
	int			i0 = cell_x(ix, Min(a[0], b[0]) - m),
				i1 = cell_x(ix, Max(a[0], b[0]) + m),
				j0 = cell_y(ix, Min(a[1], b[1]) - m),
				j1 = cell_y(ix, Max(a[1], b[1]) + m);
	double		nx = -(b[1] - a[1]),
				ny = b[0] - a[0];
	double		hx = 0.5 / ix->sx + m,
				hy = 0.5 / ix->sy + m;
	double		r = fabs(nx) * hx + fabs(ny) * hy;
	int			i,
				j;

	/* cells outside the leaf's window lie outside its bounding box: never covered */
	i0 = Max(i0, i00);
	i1 = Min(i1, i00 + bw - 1);
	j0 = Max(j0, j00);
	j1 = Min(j1, j00 + bh - 1);
	r = r * (1 + 1e-6) + 1e-300;
	for (j = j0; j <= j1; j++)
	{
		double		cy = ix->y0 + (j + 0.5) / ix->sy;

		for (i = i0; i <= i1; i++)
		{
			double		cx = ix->x0 + (i + 0.5) / ix->sx;
			double		d = nx * (cx - a[0]) + ny * (cy - a[1]);

			if (fabs(d) <= r || !isfinite(d))
				win[(j - j00) * bw + (i - i00)] = 1;
		}
	}
}

/*
 * The cells.  Leaves are taken in descending grid_id order; for each, the
 * cells its boundary comes near are recorded as (cell, leaf) pairs, and on
 * every row of its window each run of cells its boundary does not come near
 * is one connected region, inside or outside the leaf as a whole: one
 * point-in-polygon test at the run's first centre decides the run, and the
 * covering leaves overwrite the cells' fallback, so the smallest grid_id
 * remains.  Then each cell keeps the near-boundary leaves smaller than its
 * fallback, ascending.  Memory touched stays small: a new backend or
 * parallel worker pays a page fault for every page it touches.
 */
static void
build_cells(GridIndex *ix)
{
	double		w,
				h,
				m;
	uint64		edges = 0;
	double		target;
	int			k,
				c,
				ncells;
	bool		degenerate;
	PairList	pl = {0};
	uint8	   *win = NULL;
	Size		wincap = 0,
				t,
				nitems;
	int32	   *items;

	ix->x0 = ix->y0 = INFINITY;
	ix->x1 = ix->y1 = -INFINITY;
	for (k = 0; k < ix->n; k++)
	{
		ix->x0 = Min(ix->x0, ix->polys[k].xmin);
		ix->y0 = Min(ix->y0, ix->polys[k].ymin);
		ix->x1 = Max(ix->x1, ix->polys[k].xmax);
		ix->y1 = Max(ix->y1, ix->polys[k].ymax);
		edges += gm_poly_nedges(&ix->polys[k]);
	}
	w = ix->x1 - ix->x0;
	h = ix->y1 - ix->y0;
	degenerate = !(w > 0) || !(h > 0) || !isfinite(w) || !isfinite(h);
	target = Min((double) MAX_CELLS, Max(64.0, 16.0 * (double) edges));
	if (degenerate)
	{
		ix->nx = ix->ny = 1;
		ix->sx = ix->sy = 0;
	}
	else
	{
		double		fx = sqrt(target * w / h);

		ix->nx = (int) Max(1.0, Min(16384.0, round(fx)));
		ix->ny = (int) Max(1.0, Min(16384.0, round(target / ix->nx)));
		ix->sx = ix->nx / w;
		ix->sy = ix->ny / h;
		if (!isfinite(ix->sx) || !isfinite(ix->sy))
		{
			degenerate = true;
			ix->nx = ix->ny = 1;
			ix->sx = ix->sy = 0;
		}
	}
	ncells = ix->nx * ix->ny;
	ix->cells = palloc(((Size) ncells + 1) * sizeof(GridCell));
	for (c = 0; c <= ncells; c++)
	{
		ix->cells[c].answer = CELL_NONE;
		ix->cells[c].start = 0;
	}
	m = 1e-9 * Max(w, h) + 1e-12 * Max(Max(fabs(ix->x0), fabs(ix->x1)), Max(fabs(ix->y0), fabs(ix->y1)));
	if (!isfinite(m))
		degenerate = true;

	for (k = ix->n - 1; k >= 0; k--)
	{
		const GmPoly *p = &ix->polys[k];
		int			i0 = cell_x(ix, p->xmin),
					i1 = cell_x(ix, p->xmax),
					j0 = cell_y(ix, p->ymin),
					j1 = cell_y(ix, p->ymax);
		int			bw = i1 - i0 + 1,
					bh = j1 - j0 + 1;
		int			i,
					j,
					r;
		uint32		e;

		if (degenerate)
		{
			/* nothing to reason with: every cell tests every leaf */
			for (c = 0; c < ncells; c++)
				pair_add(&pl, (uint32) c, k);
			continue;
		}
		if ((Size) bw * bh > wincap)
		{
			wincap = Max((Size) bw * bh, 2 * wincap);
			win = win ? repalloc(win, wincap) : palloc(wincap);
		}
		memset(win, 0, (Size) bw * bh);
		for (r = 0; r < p->nrings; r++)
			for (e = 0; e + 1 < p->rings[r].npts; e++)
				mark_edge(ix, win, i0, j0, bw, bh, &p->rings[r].xy[2 * e], &p->rings[r].xy[2 * e + 2], m);
		for (j = j0; j <= j1; j++)
		{
			bool		inrun = false,
						inside = false;

			for (i = i0; i <= i1; i++)
			{
				c = j * ix->nx + i;
				if (win[(j - j0) * bw + (i - i0)])
				{
					pair_add(&pl, (uint32) c, k);
					inrun = false;
					continue;
				}
				if (!inrun)
				{
					inside = gm_poly_covers(p, ix->x0 + (i + 0.5) / ix->sx, ix->y0 + (j + 0.5) / ix->sy);
					inrun = true;
				}
				if (inside)
					ix->cells[c].answer = k;
			}
		}
	}

	/* counting sort of the pairs by cell; reading them backwards gives ascending leaves */
	for (t = 0; t < pl.n; t++)
		ix->cells[pl.cell[t] + 1].start++;
	for (c = 0; c < ncells; c++)
		ix->cells[c + 1].start += ix->cells[c].start;
	items = palloc(Max(pl.n, 1) * sizeof(int32));
	for (t = pl.n; t-- > 0;)
		items[ix->cells[pl.cell[t]].start++] = pl.leaf[t];
	/* starts now point at each list's end: shift back, keeping only leaves below the fallback */
	nitems = 0;
	{
		uint32		from = 0;

		for (c = 0; c < ncells; c++)
		{
			uint32		to = ix->cells[c].start;
			int32		fb = ix->cells[c].answer;

			ix->cells[c].start = (uint32) nitems;
			for (; from < to; from++)
				if (fb == CELL_NONE || items[from] < fb)
					items[nitems++] = items[from];
		}
	}
	ix->cells[ncells].answer = CELL_NONE;
	ix->cells[ncells].start = (uint32) nitems;
	ix->items = items;
	if (win)
		pfree(win);
	if (pl.cell)
	{
		pfree(pl.cell);
		pfree(pl.leaf);
	}
}

static int
find_pos(const int64 *ids, int n, int64 id)
{
	int			lo = 0,
				hi = n - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static void
load_registry(GridIndex *ix)
{
	Oid			argtypes[1] = {DATEOID};
	Datum		args[1];
	int			rc,
				n,
				k,
				nleaves = 0;
	bool		pushed;
	int64	   *ids,
			   *parents;
	bool	   *hasparent,
			   *nonempty,
			   *nonleaf;
	GmPoly	   *polys;
	MemoryContext old;

	args[0] = DateADTGetDatum(ix->day);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* read under the latest snapshot, not the statement's (see gm.h) */
	pushed = gm_cache_read_begin(&grid_watch);

	/* the registry SRID: every geometry in gm.grid has it (trigger-enforced) */
	rc = SPI_execute("SELECT geom FROM gm.grid WHERE geom IS NOT NULL LIMIT 1", true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading gm.grid failed: %s", SPI_result_code_string(rc));
	ix->srid = -1;
	if (SPI_processed == 1)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		GmGser		g;

		gm_gser_parse(pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d)), &g);
		ix->srid = g.srid;
	}

	rc = SPI_execute_with_args("SELECT grid_id, parent_id, geom FROM gm.grid "
							   "WHERE kind = 'physical' AND valid_from <= $1 AND valid_to > $1 "
							   "ORDER BY grid_id",
							   1, argtypes, args, NULL, true, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading gm.grid failed: %s", SPI_result_code_string(rc));
	n = (int) SPI_processed;

	old = MemoryContextSwitchTo(ix->cxt);
	ids = palloc(Max(n, 1) * sizeof(int64));
	parents = palloc(Max(n, 1) * sizeof(int64));
	hasparent = palloc0(Max(n, 1) * sizeof(bool));
	nonempty = palloc0(Max(n, 1) * sizeof(bool));
	nonleaf = palloc0(Max(n, 1) * sizeof(bool));
	polys = palloc0(Max(n, 1) * sizeof(GmPoly));
	for (k = 0; k < n; k++)
	{
		HeapTuple	tup = SPI_tuptable->vals[k];
		TupleDesc	td = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		d;

		ids[k] = DatumGetInt64(SPI_getbinval(tup, td, 1, &isnull));
		d = SPI_getbinval(tup, td, 2, &isnull);
		hasparent[k] = !isnull;
		parents[k] = isnull ? 0 : DatumGetInt64(d);
		d = SPI_getbinval(tup, td, 3, &isnull);
		if (!isnull)
		{
			struct varlena *v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
			GmGser		g;

			gm_gser_parse(v, &g);
			if (g.type == GM_POLYGONTYPE || g.type == GM_MULTIPOLYGONTYPE)
			{
				gm_gser_polygons(&g, &polys[k]);
				nonempty[k] = !polys[k].empty;
			}
			if ((Pointer) v != DatumGetPointer(d))
				pfree(v);
		}
	}
	MemoryContextSwitchTo(old);

	/* every ancestor of a grid with a polygon is not a leaf */
	for (k = 0; k < n; k++)
	{
		int			p = k,
					steps = 0;

		if (!nonempty[k])
			continue;
		while (hasparent[p] && steps++ < n)
		{
			p = find_pos(ids, n, parents[p]);
			if (p < 0)
				break;
			nonleaf[p] = true;
		}
	}
	for (k = 0; k < n; k++)
		if (nonempty[k] && !nonleaf[k])
		{
			ids[nleaves] = ids[k];
			polys[nleaves] = polys[k];
			nleaves++;
		}
	ix->n = nleaves;
	ix->ids = ids;
	ix->polys = polys;
	gm_cache_read_end(pushed);
	SPI_finish();
}

static GridIndex *
get_index(void)
{
	TimestampTz xs = GetCurrentTransactionStartTimestamp();
	DateADT		today;
	MemoryContext cxt,
				old;
	GridIndex  *ix;

	if (cur != NULL && gm_cache_valid(&grid_watch))
	{
		if (xs == cur_xact_start)
			return cur;
		today = GetSQLCurrentDate();
		cur_xact_start = xs;
		if (today == cur->day)
			return cur;
	}
	else
		today = GetSQLCurrentDate();

	if (cur != NULL)
	{
		MemoryContextDelete(cur->cxt);
		cur = NULL;
	}
	gm_cache_begin_rebuild(&grid_watch);
	cxt = AllocSetContextCreate(CacheMemoryContext, "gm grid index", ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		old = MemoryContextSwitchTo(cxt);
		ix = palloc0(sizeof(GridIndex));
		ix->cxt = cxt;
		ix->day = today;
		MemoryContextSwitchTo(old);
		load_registry(ix);
		old = MemoryContextSwitchTo(cxt);
		build_cells(ix);
		MemoryContextSwitchTo(old);
	}
	PG_CATCH();
	{
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	cur = ix;
	cur_xact_start = xs;
	return cur;
}

static int32
lookup(const GridIndex *ix, double x, double y)
{
	const GridCell *cell;
	uint32		t,
				end;

	if (!(x >= ix->x0 && x <= ix->x1 && y >= ix->y0 && y <= ix->y1))
		return CELL_NONE;
	cell = &ix->cells[cell_y(ix, y) * ix->nx + cell_x(ix, x)];
	end = cell[1].start;
	for (t = cell->start; t < end; t++)
		if (gm_poly_covers(&ix->polys[ix->items[t]], x, y))
			return ix->items[t];
	return cell->answer;
}

int64
gm_grid_lookup(double x, double y)
{
	GridIndex  *ix = get_index();
	int32		k = lookup(ix, x, y);

	return k >= 0 ? ix->ids[k] : -1;
}

int32
gm_grid_registry_srid(void)
{
	return get_index()->srid;
}

/*
 * Read the point argument: NULL result (false) when empty; 22023 when not a
 * point or when its SRID differs from the registry's.
 */
static bool
point_arg(FunctionCallInfo fcinfo, GridIndex *ix, double *x, double *y)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
	GmGser		g;

	gm_gser_parse(v, &g);
	if (gm_gser_is_empty(&g))
		return false;
	if (g.type != GM_POINTTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gm.assign_grid expects a point, got a %s", gm_geom_type_name(g.type))));
	if (ix->srid != -1 && g.srid != ix->srid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("point has SRID %d but the grid registry uses SRID %d", g.srid, ix->srid),
				 errhint("Use ST_Transform or ST_SetSRID to bring the point into SRID %d.", ix->srid)));
	if (!gm_gser_point(&g, x, y))
		return false;
	return isfinite(*x) && isfinite(*y);
}

PG_FUNCTION_INFO_V1(gm_assign_grid);
Datum
gm_assign_grid(PG_FUNCTION_ARGS)
{
	GridIndex  *ix = get_index();
	double		x,
				y;
	int32		k;

	if (!point_arg(fcinfo, ix, &x, &y))
		PG_RETURN_NULL();
	k = lookup(ix, x, y);
	if (k < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(ix->ids[k]);
}

/* gm.assign_grid(pt, max_distance): covering leaf, else nearest within max_distance */
PG_FUNCTION_INFO_V1(gm_assign_grid_near);
Datum
gm_assign_grid_near(PG_FUNCTION_ARGS)
{
	GridIndex  *ix;
	double		x,
				y,
				maxd,
				best = INFINITY;
	int32		k,
				bestk = -1;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(1))
	{
		maxd = PG_GETARG_FLOAT8(1);
		if (isnan(maxd) || maxd < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_distance must be a non-negative number, not %g", maxd)));
	}
	else
		maxd = -1;
	ix = get_index();
	if (!point_arg(fcinfo, ix, &x, &y))
		PG_RETURN_NULL();
	k = lookup(ix, x, y);
	if (k >= 0)
		PG_RETURN_INT64(ix->ids[k]);
	if (maxd < 0)
		PG_RETURN_NULL();
	for (k = 0; k < ix->n; k++)
	{
		const GmPoly *p = &ix->polys[k];
		double		dx = Max(Max(p->xmin - x, x - p->xmax), 0.0);
		double		dy = Max(Max(p->ymin - y, y - p->ymax), 0.0);
		double		d;

		if (sqrt(dx * dx + dy * dy) > Min(maxd, best))
			continue;
		d = gm_poly_distance(p, x, y);
		/* ascending grid_id: strictly smaller distance wins, ties keep the smaller id */
		if (d <= maxd && d < best)
		{
			best = d;
			bestk = k;
		}
	}
	if (bestk < 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(ix->ids[bestk]);
}

/* gm._geom_srid(geometry): the SRID from the serialized header, no PostGIS call */
PG_FUNCTION_INFO_V1(gm_geom_srid);
Datum
gm_geom_srid(PG_FUNCTION_ARGS)
{
	GmGser		g;

	gm_gser_parse(PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0)), &g);
	PG_RETURN_INT32(g.srid);
}

/* gm.grid_index_info(): what the backend's index holds (for tests and tuning) */
PG_FUNCTION_INFO_V1(gm_grid_index_info);
Datum
gm_grid_index_info(PG_FUNCTION_ARGS)
{
	GridIndex  *ix = get_index();
	TupleDesc	td;
	Datum		vals[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			c,
				eval = 0;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	for (c = 0; c < ix->nx * ix->ny; c++)
		if (ix->cells[c + 1].start > ix->cells[c].start)
			eval++;
	vals[0] = Int32GetDatum(ix->n);
	vals[1] = Int32GetDatum(ix->srid);
	nulls[1] = ix->srid == -1;
	vals[2] = Int32GetDatum(ix->nx * ix->ny);
	vals[3] = Int32GetDatum(eval);
	vals[4] = DateADTGetDatum(ix->day);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, vals, nulls)));
}
