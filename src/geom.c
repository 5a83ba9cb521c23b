/*
 * geom.c — PostGIS geometries read in C (see geom.h), exact point-in-polygon.
 *
 * Point in polygon.  PostGIS decides ST_Covers(polygon, point) without GEOS:
 * a winding-number test per ring, where the side of the point against an edge
 * is the double-precision determinant
 *     (x2 - x1) * (py - y1) - (px - x1) * (y2 - y1)
 * and a point is on the boundary when that determinant is exactly 0.0 and the
 * point lies inside the edge's bounding box.  The sign of a determinant
 * computed in doubles is not always the sign of the exact one; so, to agree
 * with PostGIS on every point (vertices, points on shared edges, points a
 * rounding error away from an edge), we evaluate the same expression, in the
 * same order, in IEEE double (no fused multiply-add: see the pragma), and the
 * same ring / hole logic.  Away from edges both are exact anyway; the grid
 * index in grid.c only short-cuts cells that no edge comes near.
 */
#include "geom.h"
#include "miscadmin.h"

#include <math.h>

/* keep a*b - c*d as two roundings, like PostGIS's own build */
#pragma GCC optimize ("fp-contract=off")

/* gserialized flag bits */
#define G_Z			0x01
#define G_M			0x02
#define G_BBOX		0x04
#define G_GEODETIC	0x08
#define G2_EXTENDED 0x10
#define G2_VERSION	0x40

static void
bad_geometry(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid serialized geometry: %s", what)));
}

void
gm_gser_parse(const struct varlena *v, GmGser *g)
{
	gm_gser_parse_bytes(VARDATA_ANY(v), VARSIZE_ANY_EXHDR(v), g);
}

void
gm_gser_parse_bytes(const char *data, Size len, GmGser *g)
{
	const uint8 *p = (const uint8 *) data;
	uint8		flags;
	Size		off = 4;
	int32		srid;
	bool		v2;

	if (len < 4 + 8)
		bad_geometry("too short");
	flags = p[3];
	v2 = (flags & G2_VERSION) != 0;
	srid = ((int32) (p[0] & 0x1F) << 16) | ((int32) p[1] << 8) | (int32) p[2];
	/* 21-bit two's complement */
	if (srid & 0x100000)
		srid -= 0x200000;
	g->srid = srid;
	g->hasz = (flags & G_Z) != 0;
	g->hasm = (flags & G_M) != 0;
	g->ndims = 2 + g->hasz + g->hasm;
	if (flags & G_GEODETIC)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("geodetic (geography) values are not supported here, use geometry")));
	if (v2 && (flags & G2_EXTENDED))
		off += 8;
	if (flags & G_BBOX)
		off += 2 * (2 + g->hasz + g->hasm) * sizeof(float);
	if (len < off + 8)
		bad_geometry("truncated header");
	memcpy(&g->type, p + off, sizeof(uint32));
	g->body = (const char *) p + off;
	g->bodylen = len - off;
}

const char *
gm_geom_type_name(uint32 type)
{
	static const char *const names[] = {
		"Unknown", "Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
		"MultiPolygon", "GeometryCollection", "CircularString", "CompoundCurve",
		"CurvePolygon", "MultiCurve", "MultiSurface", "PolyhedralSurface", "Triangle", "Tin"
	};

	return type < lengthof(names) ? names[type] : "Unknown";
}

static uint32
rd_u32(const GmGser *g, Size off)
{
	uint32		v;

	if (off + 4 > g->bodylen)
		bad_geometry("truncated body");
	memcpy(&v, g->body + off, 4);
	return v;
}

static double
rd_f64(const GmGser *g, Size off)
{
	double		v;

	if (off + 8 > g->bodylen)
		bad_geometry("truncated coordinates");
	memcpy(&v, g->body + off, 8);
	return v;
}

bool
gm_gser_is_empty(const GmGser *g)
{
	/* every type: the word after the type is a count (points, rings, parts) */
	uint32		n = rd_u32(g, 4);

	if (n == 0)
		return true;
	if (g->type == GM_MULTIPOINTTYPE || g->type == GM_MULTILINETYPE ||
		g->type == GM_MULTIPOLYGONTYPE || g->type == GM_COLLECTIONTYPE)
	{
		/* a collection of empties is empty; an empty part is just type + count */
		Size		off = 8;
		uint32		i;

		for (i = 0; i < n; i++)
		{
			if (rd_u32(g, off + 4) != 0)
				return false;
			off += 8;
		}
		return true;
	}
	return false;
}

bool
gm_gser_point(const GmGser *g, double *x, double *y)
{
	if (g->type != GM_POINTTYPE)
		bad_geometry("not a point");
	if (rd_u32(g, 4) == 0)
		return false;
	*x = rd_f64(g, 8);
	*y = rd_f64(g, 16);
	return true;
}

/* y-band index for rings with many edges */
static void
ring_build_bands(GmRing *r)
{
	uint32		ne = r->npts - 1;
	uint32		nb,
				e,
				b;
	uint32	   *count;
	double		h = r->ymax - r->ymin;

	r->nbands = 0;
	if (ne < 32 || !(h > 0) || !isfinite(h))
		return;
	for (e = 0; e < r->npts; e++)
		if (!isfinite(r->xy[2 * e + 1]))
			return;				/* no bands over non-finite coordinates */
	nb = ne / 4;
	if (nb > 65536)
		nb = 65536;
	r->band_scale = (double) nb / h;
	if (!isfinite(r->band_scale))
		return;
	r->nbands = nb;
	r->band_start = palloc0((nb + 1) * sizeof(uint32));
	count = palloc0((nb + 1) * sizeof(uint32));
	for (e = 0; e < ne; e++)
	{
		double		y1 = r->xy[2 * e + 1],
					y2 = r->xy[2 * e + 3];
		uint32		b0 = (uint32) Min((double) (nb - 1), floor((Min(y1, y2) - r->ymin) * r->band_scale));
		uint32		b1 = (uint32) Min((double) (nb - 1), floor((Max(y1, y2) - r->ymin) * r->band_scale));

		if ((e & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (b = b0; b <= b1; b++)
			r->band_start[b + 1]++;
	}
	for (b = 0; b < nb; b++)
		r->band_start[b + 1] += r->band_start[b];
	r->band_edge = palloc(Max(r->band_start[nb], 1) * sizeof(uint32));
	for (e = 0; e < ne; e++)
	{
		double		y1 = r->xy[2 * e + 1],
					y2 = r->xy[2 * e + 3];
		uint32		b0 = (uint32) Min((double) (nb - 1), floor((Min(y1, y2) - r->ymin) * r->band_scale));
		uint32		b1 = (uint32) Min((double) (nb - 1), floor((Max(y1, y2) - r->ymin) * r->band_scale));

		if ((e & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		for (b = b0; b <= b1; b++)
			r->band_edge[r->band_start[b] + count[b]++] = e;
	}
	pfree(count);
}

static Size
read_polygon(const GmGser *g, Size off, GmPoly *p, int part, int ring0, double **xycur,
			 bool index)
{
	uint32		nrings = rd_u32(g, off + 4);
	Size		ptoff = off + 8 + 4 * (Size) nrings + ((nrings & 1) ? 4 : 0);
	uint32		r;

	p->part_nrings[part] = (int) nrings;
	for (r = 0; r < nrings; r++)
	{
		GmRing	   *ring = &p->rings[ring0 + r];
		uint32		n = rd_u32(g, off + 8 + 4 * (Size) r);
		uint32		i;

		if ((Size) n * g->ndims * 8 > g->bodylen)
			bad_geometry("ring larger than the value");
		ring->npts = n;
		ring->xy = *xycur;
		*xycur += 2 * (Size) n;
		ring->ymin = INFINITY;
		ring->ymax = -INFINITY;
		ring->nbands = 0;
		for (i = 0; i < n; i++)
		{
			double		x = rd_f64(g, ptoff),
						y = rd_f64(g, ptoff + 8);

			/* a polygon of millions of points: cancel within a few ms */
			if ((i & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			ring->xy[2 * i] = x;
			ring->xy[2 * i + 1] = y;
			ptoff += 8 * (Size) g->ndims;
			if (y < ring->ymin)
				ring->ymin = y;
			if (y > ring->ymax)
				ring->ymax = y;
			if (x < p->xmin)
				p->xmin = x;
			if (x > p->xmax)
				p->xmax = x;
		}
		if (ring->ymin < p->ymin)
			p->ymin = ring->ymin;
		if (ring->ymax > p->ymax)
			p->ymax = ring->ymax;
		if (n >= 2 && index)
			ring_build_bands(ring);
		if (n > 0)
			p->empty = false;
	}
	return ptoff;
}

/* number of rings of the polygon whose type word is at off */
static uint32
count_rings(const GmGser *g, Size off)
{
	return rd_u32(g, off + 4);
}

/* bytes taken by the polygon whose type word is at off; *npts += its points */
static Size
skip_polygon(const GmGser *g, Size off, Size *npts)
{
	uint32		nrings = rd_u32(g, off + 4);
	Size		ptoff = off + 8 + 4 * (Size) nrings + ((nrings & 1) ? 4 : 0);
	uint32		r;

	for (r = 0; r < nrings; r++)
	{
		Size		n = rd_u32(g, off + 8 + 4 * (Size) r);

		if (n * 8 * g->ndims > g->bodylen)
			bad_geometry("ring larger than the value");
		ptoff += n * 8 * g->ndims;
		*npts += n;
	}
	if (ptoff > g->bodylen)
		bad_geometry("truncated polygon");
	return ptoff;
}

/*
 * One allocation for rings, ring counts and coordinates, so that a polygon
 * is a few consecutive cache lines for the point-in-polygon test.
 */
static double *
alloc_block(GmPoly *p, int nparts, int nrings, Size npts)
{
	Size		hdr = MAXALIGN(Max(nrings, 1) * sizeof(GmRing)) + MAXALIGN(Max(nparts, 1) * sizeof(int));
	char	   *block = palloc0(hdr + Max(npts, 1) * 2 * sizeof(double));

	p->nparts = nparts;
	p->nrings = nrings;
	p->rings = (GmRing *) block;
	p->part_nrings = (int *) (block + MAXALIGN(Max(nrings, 1) * sizeof(GmRing)));
	return (double *) (block + hdr);
}

static void
polygons_strict(const GmGser *g, GmPoly *p, bool index)
{
	double	   *xy;

	memset(p, 0, sizeof(GmPoly));
	p->xmin = p->ymin = INFINITY;
	p->xmax = p->ymax = -INFINITY;
	p->empty = true;
	if (g->type == GM_POLYGONTYPE)
	{
		Size		npts = 0;

		(void) skip_polygon(g, 0, &npts);
		xy = alloc_block(p, 1, (int) count_rings(g, 0), npts);
		(void) read_polygon(g, 0, p, 0, 0, &xy, index);
	}
	else if (g->type == GM_MULTIPOLYGONTYPE)
	{
		uint32		n = rd_u32(g, 4);
		uint32		i;
		Size		off = 8,
					npts = 0;
		int			total = 0;

		if ((Size) n * 8 > g->bodylen)
			bad_geometry("too many parts");
		for (i = 0; i < n; i++)
		{
			if (rd_u32(g, off) != GM_POLYGONTYPE)
				bad_geometry("multipolygon part is not a polygon");
			total += (int) count_rings(g, off);
			off = skip_polygon(g, off, &npts);
		}
		xy = alloc_block(p, (int) n, total, npts);
		off = 8;
		total = 0;
		for (i = 0; i < n; i++)
		{
			off = read_polygon(g, off, p, (int) i, total, &xy, index);
			total += p->part_nrings[i];
		}
	}
	else
		bad_geometry("not a polygon");
}

void
gm_gser_polygons(const GmGser *g, GmPoly *p)
{
	polygons_strict(g, p, true);
}

/*
 * The polygons anywhere in a geometry: a (multi)polygon, or collections of
 * any depth; points and lines (and empty parts) are skipped.  Two passes
 * over the serialized body: count, then fill one block.
 */
typedef struct PolyWalk
{
	bool		fill;
	bool		index;
	int			nparts;
	int			nrings;
	Size		npts;
	uint32		bad;			/* first type that is none of the above */
	GmPoly	   *p;
	double	   *xy;
} PolyWalk;

#define GM_MAX_DEPTH 32

static Size
walk_polygons(const GmGser *g, Size off, int depth, PolyWalk *w)
{
	uint32		type = rd_u32(g, off),
				n,
				i;

	if (depth > GM_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("geometry collections nested too deeply (more than %d levels)", GM_MAX_DEPTH)));
	switch (type)
	{
		case GM_POINTTYPE:
		case GM_LINETYPE:
			n = rd_u32(g, off + 4);
			if ((Size) n * 8 * g->ndims > g->bodylen)
				bad_geometry("too many points");
			off += 8 + (Size) n * 8 * g->ndims;
			if (off > g->bodylen)
				bad_geometry("truncated points");
			return off;
		case GM_POLYGONTYPE:
			if (w->fill)
			{
				off = read_polygon(g, off, w->p, w->nparts, w->nrings, &w->xy, w->index);
				w->nrings += w->p->part_nrings[w->nparts];
			}
			else
			{
				w->nrings += (int) count_rings(g, off);
				off = skip_polygon(g, off, &w->npts);
			}
			w->nparts++;
			return off;
		case GM_MULTIPOINTTYPE:
		case GM_MULTILINETYPE:
		case GM_MULTIPOLYGONTYPE:
		case GM_COLLECTIONTYPE:
			n = rd_u32(g, off + 4);
			if ((Size) n * 8 > g->bodylen)
				bad_geometry("too many parts");
			off += 8;
			for (i = 0; i < n && w->bad == 0; i++)
				off = walk_polygons(g, off, depth + 1, w);
			return off;
		default:
			if (w->bad == 0)
				w->bad = type;
			return off;
	}
}

uint32
gm_gser_polygons_opt(const GmGser *g, GmPoly *p, int options)
{
	PolyWalk	w;

	if (!(options & GM_POLY_ANY))
	{
		polygons_strict(g, p, (options & GM_POLY_NOINDEX) == 0);
		return 0;
	}
	memset(p, 0, sizeof(GmPoly));
	p->xmin = p->ymin = INFINITY;
	p->xmax = p->ymax = -INFINITY;
	p->empty = true;
	memset(&w, 0, sizeof(w));
	w.index = (options & GM_POLY_NOINDEX) == 0;
	(void) walk_polygons(g, 0, 0, &w);
	if (w.bad != 0)
		return w.bad;
	w.xy = alloc_block(p, w.nparts, w.nrings, w.npts);
	w.fill = true;
	w.p = p;
	w.nparts = 0;
	w.nrings = 0;
	(void) walk_polygons(g, 0, 0, &w);
	return 0;
}

uint32
gm_poly_nedges(const GmPoly *p)
{
	uint32		n = 0;
	int			r;

	for (r = 0; r < p->nrings; r++)
		if (p->rings[r].npts > 1)
			n += p->rings[r].npts - 1;
	return n;
}

/*
 * One edge of the winding-number test.  Returns true when the point is on the
 * edge (boundary); otherwise updates *wn.
 */
static inline bool
edge_step(const double *s1, const double *s2, double px, double py, int *wn)
{
	double		side;

	/* zero-length edges are ignored */
	if (s2[0] == s1[0] && s2[1] == s1[1])
		return false;
	side = (s2[0] - s1[0]) * (py - s1[1]) - (px - s1[0]) * (s2[1] - s1[1]);
	if (side == 0.0)
	{
		double		maxx = s1[0] > s2[0] ? s1[0] : s2[0];
		double		minx = s1[0] > s2[0] ? s2[0] : s1[0];
		double		maxy = s1[1] > s2[1] ? s1[1] : s2[1];
		double		miny = s1[1] > s2[1] ? s2[1] : s1[1];

		if (!(maxx < px || minx > px) && !(maxy < py || miny > py))
			return true;
	}
	if (s1[1] <= py && py < s2[1] && side > 0)
		(*wn)++;
	else if (s2[1] <= py && py < s1[1] && side < 0)
		(*wn)--;
	return false;
}

/* -1 outside, 0 on the boundary, 1 inside */
static int
ring_pip(const GmRing *r, double px, double py)
{
	int			wn = 0;
	uint32		i;

	if (r->npts < 2 || py < r->ymin || py > r->ymax || !(py == py))
		return -1;				/* no edge spans py: not inside, not on it */
	if (r->nbands > 0)
	{
		double		f = floor((py - r->ymin) * r->band_scale);
		uint32		b = f >= (double) (r->nbands - 1) ? r->nbands - 1 : (uint32) f;

		for (i = r->band_start[b]; i < r->band_start[b + 1]; i++)
		{
			uint32		e = r->band_edge[i];

			if (edge_step(&r->xy[2 * e], &r->xy[2 * e + 2], px, py, &wn))
				return 0;
		}
	}
	else
	{
		for (i = 0; i + 1 < r->npts; i++)
			if (edge_step(&r->xy[2 * i], &r->xy[2 * i + 2], px, py, &wn))
				return 0;
	}
	return wn == 0 ? -1 : 1;
}

bool
gm_poly_covers(const GmPoly *p, double x, double y)
{
	int			part,
				ring = 0;

	if (x < p->xmin || x > p->xmax || y < p->ymin || y > p->ymax)
		return false;
	for (part = 0; part < p->nparts; part++)
	{
		int			nr = p->part_nrings[part];
		int			res,
					h;
		bool		inside = true;

		if (nr == 0)
			continue;
		res = ring_pip(&p->rings[ring], x, y);
		if (res == 0)
			return true;
		if (res == 1)
		{
			for (h = 1; h < nr; h++)
			{
				int			hr = ring_pip(&p->rings[ring + h], x, y);

				if (hr == 1)
				{
					inside = false; /* in a hole */
					break;
				}
				if (hr == 0)
					return true;	/* on a hole's edge */
			}
			if (inside)
				return true;
		}
		ring += nr;
	}
	return false;
}

static double
seg_dist2(const double *a, const double *b, double px, double py)
{
	double		dx = b[0] - a[0],
				dy = b[1] - a[1];
	double		len2 = dx * dx + dy * dy;
	double		t = 0;
	double		qx,
				qy;

	if (len2 > 0)
	{
		t = ((px - a[0]) * dx + (py - a[1]) * dy) / len2;
		if (t < 0)
			t = 0;
		else if (t > 1)
			t = 1;
	}
	qx = a[0] + t * dx - px;
	qy = a[1] + t * dy - py;
	return qx * qx + qy * qy;
}

double
gm_poly_distance(const GmPoly *p, double x, double y)
{
	double		best = INFINITY;
	int			r;
	uint32		i;

	if (gm_poly_covers(p, x, y))
		return 0.0;
	for (r = 0; r < p->nrings; r++)
	{
		const GmRing *ring = &p->rings[r];

		for (i = 0; i + 1 < ring->npts; i++)
		{
			double		d = seg_dist2(&ring->xy[2 * i], &ring->xy[2 * i + 2], x, y);

			if (d < best)
				best = d;
		}
		if (ring->npts == 1)
		{
			double		dx = ring->xy[0] - x,
						dy = ring->xy[1] - y;

			best = Min(best, dx * dx + dy * dy);
		}
	}
	return sqrt(best);
}
