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
 * The index is built on first use in a backend, from a heap scan of gm.grid, and
 * rebuilt when gm.grid changes (GmCacheWatch, see gm.h) or the day changes.
 * The build checks for interrupts once per registry row, per row of cells
 * and every few hundred leaves in it (never in the per-point lookup), so
 * pg_cancel_backend and statement_timeout end it within milliseconds; a
 * build cut short is never used (gm_cache_begin_rebuild / end_rebuild).
 */
#include "gm.h"
#include "geom.h"
#include "grid.h"

#include <math.h>

#include "access/xact.h"
#include "access/heapam.h"
#include "access/tableam.h"
#include "utils/snapmgr.h"
#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#define CELL_NONE	(-1)
#define MAX_CELLS	(4 * 1024 * 1024)
#define CELLS_PER_EDGE 16.0		/* cells per polygon edge, see build_cells */

/*
 * A cell is one uint32, so that the whole table stays small in the CPU cache
 * (a point reads one random cell):
 *   - bit 31 clear: no leaf needs testing; the value is the fallback + 1
 *     (0: no leaf), the fallback being the smallest leaf that covers the whole
 *     cell without its boundary coming near it;
 *   - bit 31 set: the rest is an offset into items, where the leaves whose
 *     boundary comes near the cell and that are smaller than the fallback
 *     follow in ascending order, ended by a negative entry that carries the
 *     fallback (LIST_END).
 */
#define CELL_LIST	0x80000000u

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
	uint32	   *cells;			/* nx*ny, see CELL_LIST */
	int32	   *items;
	int			list_cells;		/* cells with leaves to test */
} GridIndex;

static GmCacheWatch grid_watch = {{"grid"}};
static GridIndex *cur = NULL;
static TimestampTz cur_xact_start = 0;

static inline int
cell_x(const GridIndex *ix, double x)
{
	double		f = (x - ix->x0) * ix->sx;

	/* truncation is floor() here, f being positive; NaN lands in cell 0 */
	if (!(f > 0))
		return 0;
	if (f >= ix->nx - 1)
		return ix->nx - 1;
	return (int) f;
}

static inline int
cell_y(const GridIndex *ix, double y)
{
	double		f = (y - ix->y0) * ix->sy;

	/* truncation is floor() here, f being positive; NaN lands in cell 0 */
	if (!(f > 0))
		return 0;
	if (f >= ix->ny - 1)
		return ix->ny - 1;
	return (int) f;
}

/* a growable int32 array */
typedef struct IntList
{
	int32	   *v;
	Size		n,
				cap;
} IntList;

static inline void
intlist_add(IntList *l, int32 x)
{
	if (l->n == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 1024;
		if (l->cap > MaxAllocSize / sizeof(int32))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("grid registry too large for the spatial index")));
		l->v = l->v ? repalloc(l->v, l->cap * sizeof(int32)) : palloc(l->cap * sizeof(int32));
	}
	l->v[l->n++] = x;
}

/*
 * Mark, in row j of the leaf's window of cells (origin i00, bw wide), the
 * cells that the edge a-b comes within margin m of: separating-axis test of
 * the segment against the cell grown by m.  The caller has checked that the
 * edge's rows (grown by m) include j.
 */
static void
mark_edge_row(const GridIndex *ix, uint8 *rowmark, int i00, int bw, int j,
			  const double *a, const double *b, double m)
{
	int			i0 = cell_x(ix, Min(a[0], b[0]) - m),
				i1 = cell_x(ix, Max(a[0], b[0]) + m);
	double		nx = -(b[1] - a[1]),
				ny = b[0] - a[0];
	double		hx = 0.5 / ix->sx + m,
				hy = 0.5 / ix->sy + m;
	double		r = fabs(nx) * hx + fabs(ny) * hy;
	double		cy = ix->y0 + (j + 0.5) / ix->sy;
	double		base;
	int			i;

	/*
	 * Only cells near where the edge's line crosses the row can be marked:
	 * narrow the range to the line's x-span in the row grown by hy, widened
	 * by hx and a cell either side for rounding; the test below decides.
	 */
	if (b[1] != a[1])
	{
		double		slope = (b[0] - a[0]) / (b[1] - a[1]);
		double		xa = a[0] + (cy - hy - a[1]) * slope,
					xb = a[0] + (cy + hy - a[1]) * slope;

		if (isfinite(xa) && isfinite(xb))
		{
			i0 = Max(i0, cell_x(ix, Min(xa, xb) - hx) - 1);
			i1 = Min(i1, cell_x(ix, Max(xa, xb) + hx) + 1);
		}
	}
	/* cells outside the leaf's window lie outside its bounding box: never covered */
	i0 = Max(i0, i00);
	i1 = Min(i1, i00 + bw - 1);
	r = r * (1 + 1e-6) + 1e-300;
	base = ny * (cy - a[1]);
	for (i = i0; i <= i1; i++)
	{
		double		cx = ix->x0 + (i + 0.5) / ix->sx;
		double		d = nx * (cx - a[0]) + base;

		if (fabs(d) <= r || !isfinite(d))
			rowmark[i - i00] = 1;
	}
}

/* the entry that ends a cell's list and carries its fallback (CELL_NONE or a leaf) */
#define LIST_END(fb)	(-(fb) - 2)

/*
 * The state of one build of the cells, handed from step to step of
 * build_cells: the index being built, the margin, each leaf's window and
 * edge rows, the leaves active in the current row, and one row's scratch.
 */
typedef struct CellBuild
{
	GridIndex  *ix;
	double		m;				/* how near a boundary must come to a cell to count */
	uint64		edges;			/* edges of all leaves */
	int		   *wi0,
			   *wi1,
			   *wj0,
			   *wj1;			/* each leaf's window of cells */
	int		   *order;			/* leaves by first row of their window */
	int			next;			/* the next leaf of order to enter a row */
	int32	   *erows;			/* per edge: first and last row it comes near */
	Size	   *eoff;			/* leaf k's edges: erows[2 * eoff[k] ..] */
	IntList		active,			/* the leaves whose window spans the row */
				pairs,			/* (cell in row, leaf), flattened */
				items;			/* the cells' lists (ix->items) */
	int32	   *fb,				/* per cell of the row: the fallback */
			   *cnt,			/* per cell of the row: start of its leaves in byleaf */
			   *pos,
			   *byleaf;			/* the row's near leaves, grouped by cell */
	int32		byleaf_cap;
	uint8	   *rowmark;		/* per cell of a leaf's window: its boundary is near */
} CellBuild;

/*
 * Takes the leaves; gives the extent of all of them (ix->x0 .. ix->y1) and
 * returns how many edges they have.
 */
static uint64
compute_extent(GridIndex *ix)
{
	uint64		edges = 0;
	int			k;

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
	return edges;
}

/*
 * Takes the extent and the number of edges; gives the table's shape
 * (ix->nx, ny, sx, sy): about CELLS_PER_EDGE cells per edge, square cells.
 * Returns true when the extent is degenerate (then one cell, sx = sy = 0).
 */
static bool
size_grid(GridIndex *ix, uint64 edges)
{
	double		w = ix->x1 - ix->x0,
				h = ix->y1 - ix->y0;
	double		target = Min((double) MAX_CELLS, Max(64.0, CELLS_PER_EDGE * (double) edges));
	double		fx;

	if (!(w > 0) || !(h > 0) || !isfinite(w) || !isfinite(h))
	{
		ix->nx = ix->ny = 1;
		ix->sx = ix->sy = 0;
		return true;
	}
	fx = sqrt(target * w / h);
	ix->nx = (int) Max(1.0, Min(16384.0, round(fx)));
	ix->ny = (int) Max(1.0, Min(16384.0, round(target / ix->nx)));
	ix->sx = ix->nx / w;
	ix->sy = ix->ny / h;
	if (!isfinite(ix->sx) || !isfinite(ix->sy))
	{
		ix->nx = ix->ny = 1;
		ix->sx = ix->sy = 0;
		return true;
	}
	return false;
}

/*
 * Takes the extent; gives the margin within which a boundary counts as near
 * a cell: far above rounding error, far below a cell.  Not finite when the
 * extent is not.
 */
static double
edge_margin(const GridIndex *ix)
{
	double		w = ix->x1 - ix->x0,
				h = ix->y1 - ix->y0;

	return 1e-9 * Max(w, h) + 1e-12 * Max(Max(fabs(ix->x0), fabs(ix->x1)), Max(fabs(ix->y0), fabs(ix->y1)));
}

/*
 * Nothing to reason with (no leaf, or a degenerate extent): gives every cell
 * of ix->cells one list, every leaf, and ix->items.
 */
static void
fill_every_cell(GridIndex *ix, int ncells)
{
	IntList		items = {0};
	int			k,
				i;

	for (k = 0; k < ix->n; k++)
		intlist_add(&items, k);
	intlist_add(&items, LIST_END(CELL_NONE));
	for (i = 0; i < ncells; i++)
		ix->cells[i] = ix->n > 0 ? CELL_LIST : 0;
	ix->list_cells = ix->n > 0 ? ncells : 0;
	ix->items = items.v;
}

/*
 * Takes the table's shape; gives each leaf's window of cells (b->wi0 ..
 * wj1, its bounding box's cells) and b->order, the leaves ordered by their
 * window's first row (counting sort).
 */
static void
leaf_windows(CellBuild *b)
{
	const GridIndex *ix = b->ix;
	int		   *rowcount = palloc0((ix->ny + 1) * sizeof(int));
	int			k,
				j;

	b->wi0 = palloc(ix->n * sizeof(int) * 5);
	b->wi1 = b->wi0 + ix->n;
	b->wj0 = b->wi1 + ix->n;
	b->wj1 = b->wj0 + ix->n;
	b->order = b->wj1 + ix->n;
	for (k = 0; k < ix->n; k++)
	{
		const GmPoly *p = &ix->polys[k];

		b->wi0[k] = cell_x(ix, p->xmin);
		b->wi1[k] = cell_x(ix, p->xmax);
		b->wj0[k] = cell_y(ix, p->ymin);
		b->wj1[k] = cell_y(ix, p->ymax);
		rowcount[b->wj0[k] + 1]++;
	}
	for (j = 0; j < ix->ny; j++)
		rowcount[j + 1] += rowcount[j];
	for (k = 0; k < ix->n; k++)
		b->order[rowcount[b->wj0[k]]++] = k;
	b->next = 0;
	pfree(rowcount);
}

/*
 * Takes the leaves and the margin; gives, per edge, the first and last row of
 * cells it comes near (b->erows, leaf k's from b->eoff[k]), so rows are
 * computed once per edge, not once per edge and row.  Checks for interrupts
 * once per leaf.
 */
static void
edge_rows(CellBuild *b)
{
	const GridIndex *ix = b->ix;
	double		m = b->m;
	int32	   *erows;
	Size	   *eoff;
	int			k;

	eoff = b->eoff = palloc((ix->n + 1) * sizeof(Size));
	erows = b->erows = palloc(Max(b->edges, 1) * 2 * sizeof(int32));
	eoff[0] = 0;
	for (k = 0; k < ix->n; k++)
	{
		const GmPoly *p = &ix->polys[k];
		Size		t = eoff[k];
		int			r;

		CHECK_FOR_INTERRUPTS();
		for (r = 0; r < p->nrings; r++)
		{
			const double *xy = p->rings[r].xy;
			uint32		e;

			for (e = 0; e + 1 < p->rings[r].npts; e++, t++)
			{
				erows[2 * t] = cell_y(ix, Min(xy[2 * e + 1], xy[2 * e + 3]) - m);
				erows[2 * t + 1] = cell_y(ix, Max(xy[2 * e + 1], xy[2 * e + 3]) + m);
			}
		}
		eoff[k + 1] = t;
	}
}

/* Takes row j; gives b->active, the leaves whose window spans it (adding them in b->order). */
static inline void
update_active(CellBuild *b, int j)
{
	const int  *order = b->order,
			   *wj0 = b->wj0,
			   *wj1 = b->wj1;
	int			n = b->ix->n;
	Size		a,
				keep = 0;

	while (b->next < n && wj0[order[b->next]] <= j)
		intlist_add(&b->active, order[b->next++]);
	for (a = 0; a < b->active.n; a++)
		if (wj1[b->active.v[a]] >= j)
			b->active.v[keep++] = b->active.v[a];
	b->active.n = keep;
}

/*
 * Takes leaf k and row j; marks (b->rowmark, over the leaf's window) the
 * cells its boundary comes near and adds (cell, k) to b->pairs for each; each
 * run of unmarked cells is one connected region, inside or outside the leaf
 * as a whole: one point-in-polygon test at the run's first centre decides
 * it, and a covered cell's fallback (b->fb) becomes k if k is smaller.
 */
static inline void
mark_leaf_row(CellBuild *b, int k, int j)
{
	const GridIndex *ix = b->ix;
	const GmPoly *p = &ix->polys[k];
	uint8	   *rowmark = b->rowmark;
	int32	   *fb = b->fb;
	const int32 *er = &b->erows[2 * b->eoff[k]];
	int			i0 = b->wi0[k],
				bw = b->wi1[k] - i0 + 1,
				r,
				i;
	double		m = b->m;
	bool		inrun = false,
				inside = false;

	memset(rowmark, 0, bw);
	for (r = 0; r < p->nrings; r++)
	{
		const GmRing *ring = &p->rings[r];
		uint32		e;

		for (e = 0; e + 1 < ring->npts; e++, er += 2)
			if (j >= er[0] && j <= er[1])
				mark_edge_row(ix, rowmark, i0, bw, j, &ring->xy[2 * e], &ring->xy[2 * e + 2], m);
	}
	for (i = 0; i < bw; i++)
	{
		if (rowmark[i])
		{
			intlist_add(&b->pairs, i0 + i);
			intlist_add(&b->pairs, k);
			inrun = false;
			continue;
		}
		if (!inrun)
		{
			inside = gm_poly_covers(p, ix->x0 + (i0 + i + 0.5) / ix->sx, ix->y0 + (j + 0.5) / ix->sy);
			inrun = true;
		}
		if (inside && (fb[i0 + i] == CELL_NONE || k < fb[i0 + i]))
			fb[i0 + i] = k;
	}
}

/*
 * Takes row j's active leaves; gives every cell of the row its fallback
 * (b->fb) and b->pairs, the (cell, leaf) pairs of leaves whose boundary
 * comes near the cell.  Checks for interrupts every 256 leaves.
 */
static inline void
mark_row(CellBuild *b, int j)
{
	Size		a;
	int			i;

	for (i = 0; i < b->ix->nx; i++)
		b->fb[i] = CELL_NONE;
	b->pairs.n = 0;
	for (a = 0; a < b->active.n; a++)
	{
		if ((a & 255) == 255)
			CHECK_FOR_INTERRUPTS();
		mark_leaf_row(b, b->active.v[a], j);
	}
}

/*
 * Takes the row's pairs and fallbacks; groups the pairs by cell (counting
 * sort), keeping the leaves below the cell's fallback: cell i's leaves are
 * b->byleaf[b->cnt[i] .. b->cnt[i + 1]), in the order of the pairs.
 */
static inline void
group_row_pairs(CellBuild *b)
{
	int			nx = b->ix->nx;
	const int32 *fb = b->fb,
			   *pv = b->pairs.v;
	Size		npairs = b->pairs.n,
				a;
	int32	   *cnt = b->cnt,
			   *pos = b->pos;
	int			i,
				k;

	memset(cnt, 0, (nx + 1) * sizeof(int32));
	for (a = 0; a < npairs; a += 2)
	{
		i = pv[a];
		k = pv[a + 1];
		if (fb[i] == CELL_NONE || k < fb[i])
			cnt[i + 1]++;
	}
	for (i = 0; i < nx; i++)
		cnt[i + 1] += cnt[i];
	if (cnt[nx] > 0)
	{
		int32	   *byleaf;

		if (cnt[nx] > b->byleaf_cap)
		{
			if (b->byleaf)
				pfree(b->byleaf);
			b->byleaf_cap = Max(cnt[nx], 256) * 2;
			b->byleaf = palloc(b->byleaf_cap * sizeof(int32));
		}
		byleaf = b->byleaf;
		memcpy(pos, cnt, (nx + 1) * sizeof(int32));
		for (a = 0; a < npairs; a += 2)
		{
			i = pv[a];
			k = pv[a + 1];
			if (fb[i] == CELL_NONE || k < fb[i])
				byleaf[pos[i]++] = k;
		}
	}
}

/*
 * Takes row j's grouped leaves and fallbacks; gives the row's cells: the
 * fallback alone, or a list in b->items of the near leaves, ascending, ended
 * by the fallback.
 */
static inline void
write_row_cells(CellBuild *b, int j)
{
	GridIndex  *ix = b->ix;
	const int32 *fb = b->fb,
			   *cnt = b->cnt;
	int32	   *byleaf = b->byleaf;
	int			i;

	for (i = 0; i < ix->nx; i++)
	{
		int			c = j * ix->nx + i,
					from = cnt[i],
					to = cnt[i + 1],
					x,
					y;

		if (from == to)
		{
			ix->cells[c] = (uint32) (fb[i] + 1);
			continue;
		}
		if (b->items.n > (Size) (CELL_LIST - 1))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("grid registry too large for the spatial index")));
		/* ascending leaves (short lists: insertion sort) */
		for (x = from + 1; x < to; x++)
		{
			int32		v = byleaf[x];

			for (y = x; y > from && byleaf[y - 1] > v; y--)
				byleaf[y] = byleaf[y - 1];
			byleaf[y] = v;
		}
		ix->cells[c] = CELL_LIST | (uint32) b->items.n;
		for (x = from; x < to; x++)
			intlist_add(&b->items, byleaf[x]);
		intlist_add(&b->items, LIST_END(fb[i]));
		ix->list_cells++;
	}
}

/* Frees the build's windows, edge rows and row scratch; b->items stays. */
static void
free_build(CellBuild *b)
{
	pfree(b->wi0);
	pfree(b->eoff);
	pfree(b->erows);
	pfree(b->fb);
	pfree(b->cnt);
	pfree(b->pos);
	pfree(b->rowmark);
	if (b->byleaf)
		pfree(b->byleaf);
	if (b->active.v)
		pfree(b->active.v);
	if (b->pairs.v)
		pfree(b->pairs.v);
}

/*
 * The cells, one row at a time.  For each leaf whose window spans the row,
 * the cells its boundary comes near are marked (these will test the leaf),
 * and each run of unmarked cells is one connected region, inside or outside
 * the leaf as a whole: one point-in-polygon test at the run's first centre
 * decides it, and a covered cell's fallback is the smallest covering leaf.
 * Then each cell of the row gets its near leaves below the fallback,
 * ascending, or the fallback alone.  Only the final table, the final lists
 * and a row's worth of scratch memory are touched: a new backend or
 * parallel worker pays a page fault for every page it touches, and a page
 * fault costs far more than the arithmetic here.
 */
static void
build_cells(GridIndex *ix)
{
	CellBuild	b = {0};
	bool		degenerate;
	int			ncells,
				j;

	b.ix = ix;
	b.edges = compute_extent(ix);
	degenerate = size_grid(ix, b.edges);
	ncells = ix->nx * ix->ny;
	ix->cells = palloc((Size) ncells * sizeof(uint32));
	ix->list_cells = 0;
	b.m = edge_margin(ix);
	if (degenerate || !isfinite(b.m) || ix->n == 0)
	{
		fill_every_cell(ix, ncells);
		return;
	}

	leaf_windows(&b);
	edge_rows(&b);

	/* scratch for one row */
	b.fb = palloc(ix->nx * sizeof(int32));
	b.cnt = palloc((ix->nx + 1) * sizeof(int32));
	b.pos = palloc((ix->nx + 1) * sizeof(int32));
	b.rowmark = palloc(ix->nx);

	for (j = 0; j < ix->ny; j++)
	{
		/* cancel / statement_timeout: once per row of cells and per leaf in it */
		CHECK_FOR_INTERRUPTS();
		update_active(&b, j);
		mark_row(&b, j);
		group_row_pairs(&b);
		write_row_cells(&b, j);
	}

	free_build(&b);
	if (b.items.v == NULL)
		intlist_add(&b.items, LIST_END(CELL_NONE));
	ix->items = b.items.v;
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

/* one row of gm.grid as the index needs it */
typedef struct RegRow
{
	int64		id;
	int64		parent;
	bool		hasparent;
	bool		nonempty;
	bool		nonleaf;
	GmPoly		poly;
} RegRow;

static int
regrow_cmp(const void *a, const void *b)
{
	int64		x = ((const RegRow *) a)->id,
				y = ((const RegRow *) b)->id;

	return x < y ? -1 : (x > y ? 1 : 0);
}

static AttrNumber
registry_attnum(TupleDesc td, const char *name)
{
	int			i;

	for (i = 0; i < td->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(td, i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0)
			return att->attnum;
	}
	ereport(ERROR,
			(errcode(ERRCODE_UNDEFINED_COLUMN),
			 errmsg("column \"%s\" of gm.grid does not exist", name)));
	return InvalidAttrNumber;	/* keep the compiler quiet */
}

/*
 * One heap scan of gm.grid as load_registry reads it: the columns it needs,
 * a deform buffer, and the rows kept so far (current physical grids).
 */
typedef struct RegScan
{
	GridIndex  *ix;
	TupleDesc	td;
	AttrNumber	a_id,
				a_parent,
				a_kind,
				a_from,
				a_to,
				a_geom;
	Datum	   *values;
	bool	   *nulls;
	RegRow	   *rows;
	int			n,
				cap;
} RegScan;

/*
 * Takes gm.grid open; gives the scan's column numbers (an ERROR names a
 * missing column), its deform buffers, and room for the rows, sized from
 * reltuples, in the index's context.
 */
static void
open_registry_scan(RegScan *s, GridIndex *ix, Relation rel)
{
	TupleDesc	td = RelationGetDescr(rel);
	MemoryContext old;

	s->ix = ix;
	s->td = td;
	s->a_id = registry_attnum(td, "grid_id");
	s->a_parent = registry_attnum(td, "parent_id");
	s->a_kind = registry_attnum(td, "kind");
	s->a_from = registry_attnum(td, "valid_from");
	s->a_to = registry_attnum(td, "valid_to");
	s->a_geom = registry_attnum(td, "geom");
	s->values = palloc(td->natts * sizeof(Datum));
	s->nulls = palloc(td->natts * sizeof(bool));

	s->n = 0;
	s->cap = 256;
	if (rel->rd_rel->reltuples > s->cap)
		s->cap = (int) Min(rel->rd_rel->reltuples + 64, 1000000.0);
	old = MemoryContextSwitchTo(ix->cxt);
	s->rows = palloc(s->cap * sizeof(RegRow));
	MemoryContextSwitchTo(old);
}

/*
 * Takes the deformed row; gives ix->srid from the first geometry seen (every
 * geometry in gm.grid has the registry SRID, trigger-enforced).
 */
static void
note_srid(RegScan *s)
{
	if (s->ix->srid == -1 && !s->nulls[s->a_geom - 1])
	{
		struct varlena *v = pg_detoast_datum_slice((struct varlena *) DatumGetPointer(s->values[s->a_geom - 1]), 0, 64);
		GmGser		g;

		gm_gser_parse(v, &g);
		s->ix->srid = g.srid;
	}
}

/* Takes the deformed row; says whether it is a physical grid valid on the index's day. */
static bool
is_current_physical(const RegScan *s)
{
	const bool *nulls = s->nulls;
	text	   *kind;
	DateADT		from,
				to;

	if (nulls[s->a_id - 1] || nulls[s->a_kind - 1] || nulls[s->a_from - 1] || nulls[s->a_to - 1])
		return false;
	kind = (text *) DatumGetPointer(s->values[s->a_kind - 1]);
	if (VARATT_IS_EXTENDED(kind) && !VARATT_IS_SHORT(kind))
		return false;			/* 'physical' is never compressed or toasted */
	if (VARSIZE_ANY_EXHDR(kind) != 8 || memcmp(VARDATA_ANY(kind), "physical", 8) != 0)
		return false;
	from = DatumGetDateADT(s->values[s->a_from - 1]);
	to = DatumGetDateADT(s->values[s->a_to - 1]);
	return from <= s->ix->day && to > s->ix->day;
}

/*
 * Takes the deformed row; appends it to s->rows: its id, its parent, and its
 * polygons (read into the index's context) when it has a non-empty
 * (multi)polygon.
 */
static void
add_registry_row(RegScan *s)
{
	RegRow	   *row;

	if (s->n == s->cap)
	{
		s->cap *= 2;
		s->rows = repalloc(s->rows, s->cap * sizeof(RegRow));
	}
	row = &s->rows[s->n++];
	memset(row, 0, sizeof(RegRow));
	row->id = DatumGetInt64(s->values[s->a_id - 1]);
	row->hasparent = !s->nulls[s->a_parent - 1];
	row->parent = row->hasparent ? DatumGetInt64(s->values[s->a_parent - 1]) : 0;
	if (!s->nulls[s->a_geom - 1])
	{
		Pointer		raw = DatumGetPointer(s->values[s->a_geom - 1]);
		struct varlena *v = pg_detoast_datum_packed((struct varlena *) raw);
		GmGser		g;

		gm_gser_parse(v, &g);
		if (g.type == GM_POLYGONTYPE || g.type == GM_MULTIPOLYGONTYPE)
		{
			MemoryContext old = MemoryContextSwitchTo(s->ix->cxt);

			gm_gser_polygons(&g, &row->poly);
			MemoryContextSwitchTo(old);
			row->nonempty = !row->poly.empty;
		}
		if ((Pointer) v != raw)
			pfree(v);
	}
}

/*
 * Takes the open scan; reads every row of gm.grid under snap, keeping the
 * current physical grids in s->rows and the registry SRID in ix->srid.
 * Checks for interrupts once per row.
 */
static void
scan_registry(RegScan *s, Relation rel, Snapshot snap)
{
	TableScanDesc scan;
	HeapTuple	tup;

	s->ix->srid = -1;
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		heap_deform_tuple(tup, s->td, s->values, s->nulls);
		note_srid(s);
		if (is_current_physical(s))
			add_registry_row(s);
	}
	table_endscan(scan);
}

/*
 * Takes the rows read; sorts them by grid_id (the tie rule's order) and gives
 * ix->ids, every row's id ascending, and room for the leaves in ix->polys.
 */
static void
order_rows(GridIndex *ix, RegRow *rows, int n)
{
	MemoryContext old;
	int			k;

	if (n > 1)
		qsort(rows, n, sizeof(RegRow), regrow_cmp);
	old = MemoryContextSwitchTo(ix->cxt);
	ix->ids = palloc(Max(n, 1) * sizeof(int64));
	ix->polys = palloc0(Max(n, 1) * sizeof(GmPoly));
	MemoryContextSwitchTo(old);
	for (k = 0; k < n; k++)
		ix->ids[k] = rows[k].id;
}

/*
 * Takes the ordered rows; marks every ancestor of a grid with a polygon as
 * not a leaf (rows[].nonleaf), looking parents up in ix->ids.  Checks for
 * interrupts once per row: a deep hierarchy walks far per row.
 */
static void
mark_non_leaves(const GridIndex *ix, RegRow *rows, int n)
{
	int			k;

	for (k = 0; k < n; k++)
	{
		int			p = k,
					steps = 0;

		CHECK_FOR_INTERRUPTS();
		if (!rows[k].nonempty)
			continue;
		while (rows[p].hasparent && steps++ < n)
		{
			p = find_pos(ix->ids, n, rows[p].parent);
			if (p < 0)
				break;
			rows[p].nonleaf = true;
		}
	}
}

/* Takes the marked rows; gives the leaves, ascending: ix->ids, ix->polys and ix->n. */
static void
keep_leaves(GridIndex *ix, const RegRow *rows, int n)
{
	int			k,
				nleaves = 0;

	for (k = 0; k < n; k++)
		if (rows[k].nonempty && !rows[k].nonleaf)
		{
			ix->ids[nleaves] = rows[k].id;
			ix->polys[nleaves] = rows[k].poly;
			nleaves++;
		}
	ix->n = nleaves;
}

/*
 * Read the leaves from gm.grid with a plain heap scan: no query to parse and
 * plan, and no tuple copies, which a new backend or parallel worker would pay
 * for before its first point (about 6 ms of the cold build through SPI).  The
 * registry is read whole, whatever the caller's privileges or row-level
 * policies: which grid covers a point is a property of the registry, the same
 * for every session.
 */
static void
load_registry(GridIndex *ix)
{
	RegScan		s;
	bool		pushed;
	Snapshot	snap;
	Relation	rel;

	/* read under the latest snapshot, not the statement's (see gm.h) */
	pushed = gm_cache_read_begin(&grid_watch);
	snap = RegisterSnapshot(GetActiveSnapshot());
	rel = table_open(grid_watch.relids[0], AccessShareLock);
	open_registry_scan(&s, ix, rel);
	scan_registry(&s, rel, snap);
	table_close(rel, AccessShareLock);
	UnregisterSnapshot(snap);
	gm_cache_read_end(pushed);
	pfree(s.values);
	pfree(s.nulls);

	order_rows(ix, s.rows, s.n);
	mark_non_leaves(ix, s.rows, s.n);
	keep_leaves(ix, s.rows, s.n);
	pfree(s.rows);
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

	/*
	 * One path for every rebuild (gm.h): the old index's memory goes with the
	 * watch's context, which begin_rebuild empties; an ERROR before
	 * end_rebuild (cancel, statement_timeout, out of memory, a polygon the
	 * reader rejects) leaves cur NULL and the watch invalid, and the abort
	 * frees what was built, so the next call starts again from scratch.
	 */
	cur = NULL;
	cxt = gm_cache_begin_rebuild(&grid_watch);
	old = MemoryContextSwitchTo(cxt);
	ix = palloc0(sizeof(GridIndex));
	ix->cxt = cxt;
	ix->day = today;
	MemoryContextSwitchTo(old);
	load_registry(ix);
	old = MemoryContextSwitchTo(cxt);
	build_cells(ix);
	MemoryContextSwitchTo(old);
	gm_cache_end_rebuild(&grid_watch);
	cur = ix;
	cur_xact_start = xs;
	return cur;
}

static int32
lookup(const GridIndex *ix, double x, double y)
{
	uint32		v;
	const int32 *list;

	if (!(x >= ix->x0 && x <= ix->x1 && y >= ix->y0 && y <= ix->y1))
		return CELL_NONE;
	v = ix->cells[cell_y(ix, y) * ix->nx + cell_x(ix, x)];
	if (!(v & CELL_LIST))
		return (int32) v - 1;
	for (list = &ix->items[v & ~CELL_LIST];; list++)
	{
		int32		k = *list;

		if (k < 0)
			return -k - 2;		/* the fallback, see LIST_END */
		if (gm_poly_covers(&ix->polys[k], x, y))
			return k;
	}
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
				 errmsg("gm.assign_grid expects a point, got a %s", gm_geom_type_name(g.type)),
				 errhint("Pass a point, e.g. ST_PointOnSurface(geom) for an area.")));
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
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("max_distance must be a non-negative number, not %g", maxd),
					 errhint("Pass 'Infinity' for the nearest grid at any distance.")));
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
	int			eval = ix->list_cells;

	if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	td = BlessTupleDesc(td);
	vals[0] = Int32GetDatum(ix->n);
	vals[1] = Int32GetDatum(ix->srid);
	nulls[1] = ix->srid == -1;
	vals[2] = Int32GetDatum(ix->nx * ix->ny);
	vals[3] = Int32GetDatum(eval);
	vals[4] = DateADTGetDatum(ix->day);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, vals, nulls)));
}
