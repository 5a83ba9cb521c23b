/*
 * map.c — gm.svg_map(geom, value, label): a choropleth map of polygons as a
 * standalone SVG document.
 *
 * The geometry is read by the extension's one reader of PostGIS's serialized
 * form (geom.c): nothing of PostGIS is linked and no schema is assumed.  The
 * aggregate state is a byte buffer of records (serialized geometry, value,
 * label); it is `internal` with serial/deserial functions (the buffer is the
 * serial form) so the aggregate runs in parallel.
 *
 * Drawing: every shape becomes one <path> (all rings of all its polygons,
 * fill-rule evenodd, so holes stay holes); the bounding box of all shapes is
 * scaled uniformly into a fixed viewport with the y axis flipped (north up);
 * the label is placed at a point inside the shape's largest polygon (middle
 * of the widest interior span of the horizontal line through its bounding
 * box's middle); a legend shows the colour classes.
 */
#include "kpi.h"
#include "geom.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_enum.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

/* viewport */
#define MAP_X0		10.0
#define MAP_Y0		40.0
#define MAP_W		780.0
#define MAP_H		600.0
#define SVG_W		1000
#define SVG_H		660

#define MODE_VALUE	'v'
#define MODE_LIGHT	'l'

/* fixed ramp, low to high (red - yellow - green, ColorBrewer RdYlGn 5) */
static const char *const ramp[5] = {"#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"};
static const char *const light_colour[3] = {"#1a9850", "#fee08b", "#d73027"};
static const char *const light_name[3] = {"green", "yellow", "red"};
#define NODATA_COLOUR "#cccccc"

/* ------------------------------------------------------------------ state */

/* the support functions can be called directly from SQL: refuse that with a SQLSTATE */
static void
svg_not_aggregate(const char *fname)
{
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s can only be called as a support function of the aggregate gm.svg_map", fname)));
}

static void
svg_corrupt_state(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupt gm.svg_map aggregate state: %s", why)));
}

static StringInfo
svg_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, char mode)
{
	StringInfo	st;
	MemoryContext old;

	if (!PG_ARGISNULL(0))
		return (StringInfo) PG_GETARG_POINTER(0);
	old = MemoryContextSwitchTo(aggcxt);
	st = makeStringInfo();
	appendStringInfoChar(st, mode);
	MemoryContextSwitchTo(old);
	return st;
}

static void
svg_accum_common(FunctionCallInfo fcinfo, StringInfo st, MemoryContext aggcxt,
				 bool hasval, double val)
{
	struct varlena *geom = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(1));
	uint32		len = VARSIZE_ANY_EXHDR(geom);
	MemoryContext old;
	uint8		hv = hasval ? 1 : 0;

	/* the serialized geometry as it is; read at the end (gm_svg_map_final) */
	old = MemoryContextSwitchTo(aggcxt);
	appendBinaryStringInfo(st, (char *) &len, sizeof(len));
	appendBinaryStringInfo(st, VARDATA_ANY(geom), len);
	appendBinaryStringInfo(st, (char *) &hv, 1);
	appendBinaryStringInfo(st, (char *) &val, sizeof(val));
	if (PG_ARGISNULL(3))
	{
		uint32		none = 0xFFFFFFFF;

		appendBinaryStringInfo(st, (char *) &none, sizeof(none));
	}
	else
	{
		text	   *label = PG_GETARG_TEXT_PP(3);
		uint32		llen = VARSIZE_ANY_EXHDR(label);

		appendBinaryStringInfo(st, (char *) &llen, sizeof(llen));
		appendBinaryStringInfo(st, VARDATA_ANY(label), llen);
	}
	MemoryContextSwitchTo(old);
	if ((Pointer) geom != DatumGetPointer(PG_GETARG_DATUM(1)))
		pfree(geom);
}

PG_FUNCTION_INFO_V1(gm_svg_map_accum);
Datum
gm_svg_map_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	StringInfo	st;
	double		v = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		svg_not_aggregate("gm_svg_map_accum");
	st = svg_state(fcinfo, aggcxt, MODE_VALUE);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);	/* no shape: skipped */
	if (!PG_ARGISNULL(2))
	{
		Numeric		n = PG_GETARG_NUMERIC(2);

		if (numeric_is_nan(n))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gm.svg_map cannot colour by NaN")));
		v = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(n)));
		if (isinf(v))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gm.svg_map cannot colour by an infinite value")));
	}
	svg_accum_common(fcinfo, st, aggcxt, !PG_ARGISNULL(2), v);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(gm_svg_map_light_accum);
Datum
gm_svg_map_light_accum(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	StringInfo	st;
	double		v = 0;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		svg_not_aggregate("gm_svg_map_light_accum");
	st = svg_state(fcinfo, aggcxt, MODE_LIGHT);
	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	if (!PG_ARGISNULL(2))
	{
		Oid			enumval = PG_GETARG_OID(2);
		HeapTuple	tup = SearchSysCache1(ENUMOID, ObjectIdGetDatum(enumval));
		const char *label;
		int			k = -1;

		if (!HeapTupleIsValid(tup))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("invalid internal value for enum: %u", enumval)));
		label = pstrdup(NameStr(((Form_pg_enum) GETSTRUCT(tup))->enumlabel));
		ReleaseSysCache(tup);
		for (int i = 0; i < 3; i++)
			if (strcmp(label, light_name[i]) == 0)
				k = i;
		if (k < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown light \"%s\"", label)));
		v = k;
	}
	svg_accum_common(fcinfo, st, aggcxt, !PG_ARGISNULL(2), v);
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(gm_svg_map_combine);
Datum
gm_svg_map_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt,
				old;
	StringInfo	a,
				b;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		svg_not_aggregate("gm_svg_map_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	b = (StringInfo) PG_GETARG_POINTER(1);
	old = MemoryContextSwitchTo(aggcxt);
	if (PG_ARGISNULL(0))
	{
		a = makeStringInfo();
		appendBinaryStringInfo(a, b->data, b->len);
	}
	else
	{
		a = (StringInfo) PG_GETARG_POINTER(0);
		if (a->len < 1 || b->len < 1 || a->data[0] != b->data[0])
			svg_corrupt_state("combining states of different kinds");
		appendBinaryStringInfo(a, b->data + 1, b->len - 1);
	}
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(a);
}

PG_FUNCTION_INFO_V1(gm_svg_map_serial);
Datum
gm_svg_map_serial(PG_FUNCTION_ARGS)
{
	StringInfo	st = (StringInfo) PG_GETARG_POINTER(0);
	bytea	   *b = palloc(VARHDRSZ + st->len);

	SET_VARSIZE(b, VARHDRSZ + st->len);
	memcpy(VARDATA(b), st->data, st->len);
	PG_RETURN_BYTEA_P(b);
}

PG_FUNCTION_INFO_V1(gm_svg_map_deserial);
Datum
gm_svg_map_deserial(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt,
				old;
	StringInfo	st;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		svg_not_aggregate("gm_svg_map_deserial");
	old = MemoryContextSwitchTo(aggcxt);
	st = makeStringInfo();
	appendBinaryStringInfo(st, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	MemoryContextSwitchTo(old);
	PG_RETURN_POINTER(st);
}

/* ------------------------------------------------------------------ shapes */

/* one polygon of a shape: its rings in the shape's GmPoly, rings[0] the shell */
typedef struct Poly
{
	int			nrings;
	const GmRing *rings;
} Poly;

typedef struct Shape
{
	GmPoly		gp;				/* every polygon of the geometry (geom.c) */
	int			npolys;
	Poly	   *polys;			/* the drawable ones: a shell of 3 points or more */
	bool		hasval;
	double		val;
	char	   *label;			/* NULL: none */
} Shape;

/* the polygons of one serialized geometry: (multi)polygons, also inside collections */
static void
shape_read(Shape *s, const char *data, uint32 len)
{
	GmGser		g;
	uint32		bad;
	int			r = 0;

	gm_gser_parse_bytes(data, len, &g);
	bad = gm_gser_polygons_opt(&g, &s->gp, GM_POLY_ANY | GM_POLY_NOINDEX);
	if (bad != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gm.svg_map draws polygons and multipolygons, not geometry type %u", bad),
				 errhint("Convert curves with ST_CurveToLine first.")));
	s->polys = palloc(sizeof(Poly) * Max(s->gp.nparts, 1));
	s->npolys = 0;
	for (int k = 0; k < s->gp.nparts; k++)
	{
		int			nr = s->gp.part_nrings[k];

		if (nr > 0 && s->gp.rings[r].npts >= 3)
		{
			s->polys[s->npolys].nrings = nr;
			s->polys[s->npolys].rings = &s->gp.rings[r];
			s->npolys++;
		}
		r += nr;
	}
}

/* ------------------------------------------------------------------ drawing */

static void
xml_escape(StringInfo out, const char *s)
{
	for (; *s; s++)
	{
		unsigned char c = (unsigned char) *s;

		switch (c)
		{
			case '&':
				appendStringInfoString(out, "&amp;");
				break;
			case '<':
				appendStringInfoString(out, "&lt;");
				break;
			case '>':
				appendStringInfoString(out, "&gt;");
				break;
			case '"':
				appendStringInfoString(out, "&quot;");
				break;
			case '\'':
				appendStringInfoString(out, "&apos;");
				break;
			default:
				if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
					appendStringInfoChar(out, ' ');	/* not allowed in XML 1.0 */
				else
					appendStringInfoChar(out, (char) c);
		}
	}
}

static double
ring_area(const GmRing *r)
{
	double		a = 0;

	for (int i = 0; i + 1 < (int) r->npts; i++)
		a += r->xy[2 * i] * r->xy[2 * i + 3] - r->xy[2 * i + 2] * r->xy[2 * i + 1];
	return fabs(a) / 2;
}

static int
cmp_double(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/*
 * A point inside polygon p: on the horizontal line through the middle of its
 * shell's y range, the middle of the widest span that is inside (crossings of
 * all rings, half-open rule on vertices).  Falls back to the shell's first
 * vertex for degenerate rings.
 */
static void
poly_inside_point(const Poly *p, double *px, double *py)
{
	const GmRing *shell = &p->rings[0];
	double		ymin = shell->xy[1],
				ymax = shell->xy[1],
				y;
	int			ncross = 0,
				maxcross = 0;
	double	   *xs;
	double		best = -1;

	for (int i = 0; i < (int) shell->npts; i++)
	{
		ymin = Min(ymin, shell->xy[2 * i + 1]);
		ymax = Max(ymax, shell->xy[2 * i + 1]);
	}
	y = (ymin + ymax) / 2;
	for (int k = 0; k < p->nrings; k++)
		maxcross += p->rings[k].npts;
	xs = palloc(sizeof(double) * (maxcross + 1));
	for (int k = 0; k < p->nrings; k++)
	{
		const GmRing *r = &p->rings[k];

		for (int i = 0; i + 1 < (int) r->npts; i++)
		{
			double		x1 = r->xy[2 * i],
						y1 = r->xy[2 * i + 1],
						x2 = r->xy[2 * i + 2],
						y2 = r->xy[2 * i + 3];

			if ((y1 <= y && y < y2) || (y2 <= y && y < y1))
				xs[ncross++] = x1 + (y - y1) * (x2 - x1) / (y2 - y1);
		}
	}
	qsort(xs, ncross, sizeof(double), cmp_double);
	*px = shell->xy[0];
	*py = shell->xy[1];
	for (int i = 0; i + 1 < ncross; i += 2)
	{
		if (xs[i + 1] - xs[i] > best)
		{
			best = xs[i + 1] - xs[i];
			*px = (xs[i] + xs[i + 1]) / 2;
			*py = y;
		}
	}
	pfree(xs);
}

static void
fmt_value(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.6g", v);
}

/* one map being drawn: the shapes decoded from the state, their extent and values, the output */
typedef struct SvgMap
{
	char		mode;			/* MODE_VALUE or MODE_LIGHT */
	Shape	   *shapes;
	int			nshapes,
				maxshapes;
	double		xmin,
				ymin,
				xmax,
				ymax;			/* extent of all shapes */
	double		vmin,
				vmax;			/* range of the values */
	bool		anynull;		/* a shape without a value */
	double		scale,
				ox,
				oy;				/* map units to the viewport */
	StringInfoData out;
} SvgMap;

/* viewport coordinates of a map point: uniform scale, y flipped */
static inline double
map_x(const SvgMap *m, double x)
{
	return m->ox + (x - m->xmin) * m->scale;
}

static inline double
map_y(const SvgMap *m, double y)
{
	return m->oy + (m->ymax - y) * m->scale;
}

/*
 * Takes the state's bytes at *pp (end: their end); gives one shape s (its
 * polygons, value and label) and moves *pp past its record.  A record that
 * does not fit or has a value the mode does not allow is a corrupt state.
 */
static void
read_record(const SvgMap *m, const char **pp, const char *end, Shape *s)
{
	const char *p = *pp;
	uint32		len,
				llen;
	uint8		hv;

	memset(s, 0, sizeof(*s));
	if (end - p < 4)
		svg_corrupt_state("truncated or invalid record");
	memcpy(&len, p, 4);
	p += 4;
	if ((uint32) (end - p) < len)
		svg_corrupt_state("truncated or invalid record");
	shape_read(s, p, len);
	p += len;
	if (end - p < 1 + 8 + 4)
		svg_corrupt_state("truncated or invalid record");
	memcpy(&hv, p, 1);
	memcpy(&s->val, p + 1, 8);
	memcpy(&llen, p + 9, 4);
	p += 13;
	s->hasval = hv != 0;
	if (s->hasval && (m->mode == MODE_LIGHT ? !(s->val == 0 || s->val == 1 || s->val == 2) : !isfinite(s->val)))
		svg_corrupt_state("truncated or invalid record");
	if (llen != 0xFFFFFFFF)
	{
		if ((uint32) (end - p) < llen)
			svg_corrupt_state("truncated or invalid record");
		s->label = pnstrdup(p, llen);
		p += llen;
	}
	*pp = p;
}

/* Takes one shape; widens the map's value range (or notes a missing value) and its extent. */
static void
note_shape(SvgMap *m, const Shape *s)
{
	if (s->hasval)
	{
		m->vmin = Min(m->vmin, s->val);
		m->vmax = Max(m->vmax, s->val);
	}
	else
		m->anynull = true;
	for (int i = 0; i < s->npolys; i++)
		for (int k = 0; k < s->polys[i].nrings; k++)
		{
			const GmRing *rg = &s->polys[i].rings[k];

			for (int j = 0; j < (int) rg->npts; j++)
			{
				m->xmin = Min(m->xmin, rg->xy[2 * j]);
				m->xmax = Max(m->xmax, rg->xy[2 * j]);
				m->ymin = Min(m->ymin, rg->xy[2 * j + 1]);
				m->ymax = Max(m->ymax, rg->xy[2 * j + 1]);
			}
		}
}

/*
 * Takes the aggregate state (its kind byte already read into m->mode); gives
 * m->shapes, in record order, with their extent and value range.  Checks for
 * interrupts once per record: a map of many or large shapes.
 */
static void
collect_shapes(SvgMap *m, StringInfo st)
{
	const char *p = st->data + 1,
			   *end = st->data + st->len;

	while (p < end)
	{
		Shape		s;

		CHECK_FOR_INTERRUPTS();
		read_record(m, &p, end, &s);
		note_shape(m, &s);
		if (m->nshapes == m->maxshapes)
		{
			m->maxshapes = m->maxshapes ? m->maxshapes * 2 : 64;
			m->shapes = m->shapes ? repalloc(m->shapes, sizeof(Shape) * m->maxshapes) : palloc(sizeof(Shape) * m->maxshapes);
		}
		m->shapes[m->nshapes++] = s;
	}
}

/*
 * Takes the extent; gives the uniform scale and offsets (m->scale, ox, oy)
 * that centre it in the viewport.  An empty map gets the unit square.
 */
static void
fit_viewport(SvgMap *m)
{
	double		w,
				h;

	if (m->xmin > m->xmax)
	{
		m->xmin = m->ymin = 0;
		m->xmax = m->ymax = 1;
	}
	w = m->xmax - m->xmin;
	h = m->ymax - m->ymin;
	if (w <= 0 && h <= 0)
		m->scale = 1;
	else if (w <= 0)
		m->scale = MAP_H / h;
	else if (h <= 0)
		m->scale = MAP_W / w;
	else
		m->scale = Min(MAP_W / w, MAP_H / h);
	m->ox = MAP_X0 + (MAP_W - w * m->scale) / 2;
	m->oy = MAP_Y0 + (MAP_H - h * m->scale) / 2;
}

/*
 * Takes a shape; gives its fill: the light's colour, or the value's class of
 * five equal intervals of the value range (the middle one when all values
 * are equal), or the no-data grey.
 */
static const char *
choose_class(const SvgMap *m, const Shape *s)
{
	if (!s->hasval)
		return NODATA_COLOUR;
	if (m->mode == MODE_LIGHT)
		return light_colour[(int) s->val];
	if (m->vmax > m->vmin)
	{
		int			k = (int) floor((s->val - m->vmin) / (m->vmax - m->vmin) * 5);

		return ramp[Max(0, Min(4, k))];
	}
	return ramp[2];
}

/* Takes a shape with a label or a value; writes its <title>: "label: value". */
static void
write_title(SvgMap *m, const Shape *s)
{
	char		b1[64];

	appendStringInfoString(&m->out, "<title>");
	if (s->label)
		xml_escape(&m->out, s->label);
	if (s->hasval)
	{
		if (m->mode == MODE_LIGHT)
			appendStringInfo(&m->out, "%s%s", s->label ? ": " : "", light_name[(int) s->val]);
		else
		{
			fmt_value(b1, sizeof(b1), s->val);
			appendStringInfo(&m->out, "%s%s", s->label ? ": " : "", b1);
		}
	}
	appendStringInfoString(&m->out, "</title>");
}

/*
 * Takes a shape with polygons and its fill; writes one <path> of all its
 * rings (even-odd, so holes stay holes) with its title.  Checks for
 * interrupts every 4096 points of a ring.
 */
static void
draw_shape(SvgMap *m, const Shape *s, const char *colour)
{
	appendStringInfo(&m->out, "<path fill=\"%s\" fill-rule=\"evenodd\" d=\"", colour);
	for (int j = 0; j < s->npolys; j++)
		for (int k = 0; k < s->polys[j].nrings; k++)
		{
			const GmRing *rg = &s->polys[j].rings[k];

			for (int i = 0; i < (int) rg->npts; i++)
			{
				if ((i & 4095) == 4095)
					CHECK_FOR_INTERRUPTS();
				appendStringInfo(&m->out, "%s%.2f,%.2f", i == 0 ? "M" : "L",
								 map_x(m, rg->xy[2 * i]), map_y(m, rg->xy[2 * i + 1]));
			}
			appendStringInfoChar(&m->out, 'Z');
		}
	appendStringInfoString(&m->out, "\">");
	if (s->label || s->hasval)
		write_title(m, s);
	appendStringInfoString(&m->out, "</path>\n");
}

/* Writes the shapes group: every shape with polygons; checks for interrupts once per shape. */
static void
draw_shapes(SvgMap *m)
{
	appendStringInfoString(&m->out, "<g id=\"shapes\" stroke=\"#555555\" stroke-width=\"0.8\" stroke-linejoin=\"round\">\n");
	for (int i = 0; i < m->nshapes; i++)
	{
		const Shape *s = &m->shapes[i];
		const char *colour;

		CHECK_FOR_INTERRUPTS();
		colour = choose_class(m, s);
		if (s->npolys == 0)
			continue;
		draw_shape(m, s, colour);
	}
	appendStringInfoString(&m->out, "</g>\n");
}

/*
 * Takes a labelled shape with polygons; writes its label at a point inside
 * its largest polygon (by shell area, the first of equals).
 */
static void
place_label(SvgMap *m, const Shape *s)
{
	int			big = 0;
	double		bigarea = -1,
				lx,
				ly;

	for (int j = 0; j < s->npolys; j++)
	{
		double		a = ring_area(&s->polys[j].rings[0]);

		if (a > bigarea)
		{
			bigarea = a;
			big = j;
		}
	}
	poly_inside_point(&s->polys[big], &lx, &ly);
	appendStringInfo(&m->out, "<text x=\"%.2f\" y=\"%.2f\" dominant-baseline=\"middle\">", map_x(m, lx), map_y(m, ly));
	xml_escape(&m->out, s->label);
	appendStringInfoString(&m->out, "</text>\n");
}

/* Writes the labels group, above every shape; checks for interrupts once per shape. */
static void
draw_labels(SvgMap *m)
{
	appendStringInfoString(&m->out, "<g id=\"labels\" font-size=\"10\" text-anchor=\"middle\" fill=\"#111111\">\n");
	for (int i = 0; i < m->nshapes; i++)
	{
		const Shape *s = &m->shapes[i];

		CHECK_FOR_INTERRUPTS();
		if (s->label == NULL || s->npolys == 0)
			continue;
		place_label(m, s);
	}
	appendStringInfoString(&m->out, "</g>\n");
}

/* Writes the legend's no-data entry at legend row 'row'. */
static void
write_nodata_entry(SvgMap *m, int row)
{
	appendStringInfo(&m->out,
					 "<rect x=\"0\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\" stroke=\"#555555\"/>"
					 "<text x=\"26\" y=\"%d\">no data</text>\n", row * 24, NODATA_COLOUR, row * 24 + 14);
}

/*
 * Writes the legend: the three lights, or the value classes from the highest
 * down (one class when all values are equal, none when no shape has a value),
 * then no data when a shape has no value.
 */
static void
write_legend(SvgMap *m)
{
	char		b1[64],
				b2[64];
	int			row = 0;

	appendStringInfo(&m->out, "<g id=\"legend\" font-size=\"12\" transform=\"translate(%d,%d)\">\n", 810, 60);
	if (m->mode == MODE_LIGHT)
	{
		for (int k = 0; k < 3; k++, row++)
			appendStringInfo(&m->out,
							 "<rect x=\"0\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\" stroke=\"#555555\"/>"
							 "<text x=\"26\" y=\"%d\">%s</text>\n",
							 k * 24, light_colour[k], k * 24 + 14, light_name[k]);
	}
	else if (m->vmin <= m->vmax)
	{
		double		vmin = m->vmin,
					vmax = m->vmax;
		int			nclass = vmax > vmin ? 5 : 1;

		for (int k = nclass - 1; k >= 0; k--, row++)
		{
			const char *colour = nclass == 5 ? ramp[k] : ramp[2];

			fmt_value(b1, sizeof(b1), vmin + (vmax - vmin) * k / 5.0);
			fmt_value(b2, sizeof(b2), nclass == 5 ? vmin + (vmax - vmin) * (k + 1) / 5.0 : vmax);
			appendStringInfo(&m->out,
							 "<rect x=\"0\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\" stroke=\"#555555\"/>"
							 "<text x=\"26\" y=\"%d\">",
							 row * 24, colour, row * 24 + 14);
			if (nclass == 1)
				appendStringInfoString(&m->out, b1);
			else
				appendStringInfo(&m->out, "%s %s %s", b1, k == 4 ? "&#8211;" : "&#8211;", b2);
			appendStringInfoString(&m->out, "</text>\n");
		}
	}
	if (m->anynull)
		write_nodata_entry(m, row);
	appendStringInfoString(&m->out, "</g>\n");
}

PG_FUNCTION_INFO_V1(gm_svg_map_final);
Datum
gm_svg_map_final(PG_FUNCTION_ARGS)
{
	StringInfo	st;
	SvgMap		m = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (StringInfo) PG_GETARG_POINTER(0);
	if (st->len < 1)
		PG_RETURN_NULL();
	m.mode = st->data[0];
	if (m.mode != MODE_VALUE && m.mode != MODE_LIGHT)
		svg_corrupt_state("unknown kind");
	m.xmin = m.ymin = m.vmin = INFINITY;
	m.xmax = m.ymax = m.vmax = -INFINITY;

	collect_shapes(&m, st);
	fit_viewport(&m);

	initStringInfo(&m.out);
	appendStringInfo(&m.out,
					 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
					 "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
					 SVG_W, SVG_H, SVG_W, SVG_H, SVG_W, SVG_H);
	draw_shapes(&m);
	draw_labels(&m);
	write_legend(&m);
	appendStringInfoString(&m.out, "</svg>\n");

	PG_RETURN_TEXT_P(cstring_to_text_with_len(m.out.data, m.out.len));
}
