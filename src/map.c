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
 * box's middle), with a white halo; a legend shows the colour classes.
 * Longitude/latitude data (a geographic SRID) is drawn in an equirectangular
 * projection true at the middle latitude (x scaled by its cosine), so a city
 * keeps its shape.
 *
 * Options (the four-argument forms, a jsonb constant): "title" (drawn at the
 * top), "legend" (the legend's heading), "classes" (quantile, the default;
 * jenks: natural breaks; equal: equal intervals) and "palette" (viridis, the
 * default, or cividis: both readable with colour-vision deficiencies; rdylgn:
 * the classic red-yellow-green, which is not).  Lights always use the
 * Okabe-Ito vermillion / yellow / bluish green, which stay apart for
 * colour-blind readers.
 *
 * State: [kind][classes][palette][uint32 title length][title]
 *        [uint32 legend length][legend] then one record per shape.
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
#include "utils/jsonb.h"
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

/* ramps, low to high: viridis and cividis (readable with colour-vision deficiencies), RdYlGn */
#define NPALETTE 3
static const char *const palette_name[NPALETTE] = {"viridis", "cividis", "rdylgn"};
static const char *const ramps[NPALETTE][5] = {
	{"#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"},
	{"#00204d", "#414d6b", "#7c7b78", "#bcaf6f", "#ffea46"},
	{"#d73027", "#fc8d59", "#fee08b", "#91cf60", "#1a9850"},
};
/* lights: Okabe-Ito bluish green, yellow, vermillion */
static const char *const light_colour[3] = {"#009e73", "#f0e442", "#d55e00"};
#define NCLASSES 3
static const char *const classes_name[NCLASSES] = {"quantile", "jenks", "equal"};
#define CLASSES_QUANTILE 0
#define CLASSES_JENKS 1
#define CLASSES_EQUAL 2
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

/* the options of a four-argument call (a jsonb object), checked; defaults without one */
typedef struct SvgOptions
{
	char		classes;		/* CLASSES_* */
	char		palette;		/* index into ramps */
	char	   *title;			/* NULL: none */
	char	   *legend;			/* NULL: none */
} SvgOptions;

static int
option_index(const char *value, const char *const *names, int n, const char *option)
{
	for (int i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0)
			return i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("gm.svg_map option \"%s\" cannot be \"%s\"", option, value),
			 option[0] == 'c' ? errhint("Classes are quantile (the default), jenks (natural breaks) or equal (equal intervals).")
			 : errhint("Palettes are viridis (the default) and cividis, readable with colour-vision deficiencies, or rdylgn.")));
	return 0;
}

static void
parse_options(Jsonb *opts, SvgOptions *o)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	   *key = NULL;

	memset(o, 0, sizeof(*o));
	o->classes = CLASSES_QUANTILE;
	if (opts == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(opts))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gm.svg_map options must be a JSON object"),
				 errhint("For example '{\"title\": \"NPS by grid\", \"classes\": \"jenks\"}'.")));
	it = JsonbIteratorInit(&opts->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *str;

		if (tok == WJB_KEY)
		{
			key = pnstrdup(v.val.string.val, v.val.string.len);
			continue;
		}
		if (tok != WJB_VALUE || key == NULL)
			continue;
		if (strcmp(key, "title") != 0 && strcmp(key, "legend") != 0 &&
			strcmp(key, "classes") != 0 && strcmp(key, "palette") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("unknown gm.svg_map option \"%s\"", key),
					 errhint("The options are title, legend, classes and palette.")));
		if (v.type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("gm.svg_map option \"%s\" must be a string", key),
					 errhint("Write the value as a JSON string, e.g. {\"title\": \"Sales\"}.")));
		str = pnstrdup(v.val.string.val, v.val.string.len);
		if (strcmp(key, "title") == 0)
			o->title = str;
		else if (strcmp(key, "legend") == 0)
			o->legend = str;
		else if (strcmp(key, "classes") == 0)
			o->classes = (char) option_index(str, classes_name, NCLASSES, "classes");
		else
			o->palette = (char) option_index(str, palette_name, NPALETTE, "palette");
	}
}

static void
append_text(StringInfo st, const char *t)
{
	uint32		len = t ? (uint32) strlen(t) : 0;

	appendBinaryStringInfo(st, (char *) &len, sizeof(len));
	if (len > 0)
		appendBinaryStringInfo(st, t, len);
}

/* the state, created with its header on the first row: kind, options */
static StringInfo
svg_state(FunctionCallInfo fcinfo, MemoryContext aggcxt, char mode)
{
	StringInfo	st;
	MemoryContext old;
	SvgOptions	o;

	if (!PG_ARGISNULL(0))
		return (StringInfo) PG_GETARG_POINTER(0);
	parse_options(PG_NARGS() > 4 && !PG_ARGISNULL(4) ? PG_GETARG_JSONB_P(4) : NULL, &o);
	old = MemoryContextSwitchTo(aggcxt);
	st = makeStringInfo();
	appendStringInfoChar(st, mode);
	appendStringInfoChar(st, o.classes);
	appendStringInfoChar(st, o.palette);
	append_text(st, o.title);
	append_text(st, o.legend);
	MemoryContextSwitchTo(old);
	return st;
}

/* reads a state's header into o (strings palloc'd); gives the offset of its first record */
static int
read_header(StringInfo st, SvgOptions *o)
{
	const char *p = st->data,
			   *end = st->data + st->len;
	char	  **dst[2] = {&o->title, &o->legend};

	memset(o, 0, sizeof(*o));
	if (end - p < 3 || (p[0] != MODE_VALUE && p[0] != MODE_LIGHT) ||
		p[1] < 0 || p[1] >= NCLASSES || p[2] < 0 || p[2] >= NPALETTE)
		svg_corrupt_state("invalid header");
	o->classes = p[1];
	o->palette = p[2];
	p += 3;
	for (int i = 0; i < 2; i++)
	{
		uint32		len;

		if (end - p < 4)
			svg_corrupt_state("invalid header");
		memcpy(&len, p, 4);
		p += 4;
		if ((uint32) (end - p) < len)
			svg_corrupt_state("invalid header");
		if (len > 0)
			*dst[i] = pnstrdup(p, len);
		p += len;
	}
	return (int) (p - st->data);
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
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("gm.svg_map cannot colour by NaN")));
		v = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(n)));
		if (isinf(v))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
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
		SvgOptions	o;
		int			off;

		a = (StringInfo) PG_GETARG_POINTER(0);
		if (a->len < 1 || b->len < 1 || a->data[0] != b->data[0])
			svg_corrupt_state("combining states of different kinds");
		off = read_header(b, &o);	/* the options are the call's: a's stand */
		appendBinaryStringInfo(a, b->data + off, b->len - off);
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
	int32		srid;
} Shape;

/* the polygons of one serialized geometry: (multi)polygons, also inside collections */
static void
shape_read(Shape *s, const char *data, uint32 len)
{
	GmGser		g;
	uint32		bad;
	int			r = 0;

	gm_gser_parse_bytes(data, len, &g);
	s->srid = g.srid;
	bad = gm_gser_polygons_opt(&g, &s->gp, GM_POLY_ANY | GM_POLY_NOINDEX);
	if (bad != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
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
	bool		geographic;		/* every shape in longitude / latitude */
	double		kx;				/* x stretch of the projection (cos of the middle latitude; 1: none) */
	double		scale,
				ox,
				oy;				/* map units to the viewport */
	SvgOptions	opt;
	int			nclass;			/* value classes (0: no value) */
	double		breaks[6];		/* class k holds breaks[k] <= v < breaks[k + 1] (the last: <=) */
	int			count[5];		/* shapes per class */
	double		cmin[5],
				cmax[5];		/* the smallest and largest value in each class */
	StringInfoData out;
} SvgMap;

/* viewport coordinates of a map point: uniform scale, y flipped */
static inline double
map_x(const SvgMap *m, double x)
{
	return m->ox + (x - m->xmin) * m->kx * m->scale;
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

/* longitude / latitude reference systems: WGS 84, CGCS2000, Beijing 1954, Xian 1980, ETRS89, NAD83, GDA94 */
static bool
srid_geographic(int32 srid)
{
	static const int32 geo[] = {4326, 4490, 4214, 4610, 4258, 4269, 4283, 4612, 6668, 4167};

	for (int i = 0; i < (int) lengthof(geo); i++)
		if (srid == geo[i])
			return true;
	return false;
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
	if (s->npolys > 0 && !srid_geographic(s->srid))
		m->geographic = false;
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
collect_shapes(SvgMap *m, StringInfo st, int offset)
{
	const char *p = st->data + offset,
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
	m->kx = 1;
	if (m->geographic && m->ymin >= -90 && m->ymax <= 90)
	{
		double		mid = (m->ymin + m->ymax) / 2 * M_PI / 180;

		m->kx = Max(cos(mid), 0.05);	/* equirectangular, true at the middle latitude */
	}
	w = (m->xmax - m->xmin) * m->kx;
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

/* the ramp colour of class k of n: spread over the five colours */
static const char *
class_colour(const SvgMap *m, int k)
{
	int			c = m->nclass <= 1 ? 2 : (k * 4 + (m->nclass - 1) / 2) / (m->nclass - 1);

	return ramps[(int) m->opt.palette][Max(0, Min(4, c))];
}

static int
value_class(const SvgMap *m, double v)
{
	int			k = 0;

	while (k + 1 < m->nclass && v >= m->breaks[k + 1])
		k++;
	return k;
}

/* Takes a shape; gives its fill: the light's colour, its value's class colour, or no-data grey. */
static const char *
choose_class(const SvgMap *m, const Shape *s)
{
	if (!s->hasval)
		return NODATA_COLOUR;
	if (m->mode == MODE_LIGHT)
		return light_colour[(int) s->val];
	return class_colour(m, value_class(m, s->val));
}

/*
 * Fisher-Jenks natural breaks of sorted v[0..n-1] into k classes (the
 * classes' sums of squared deviations are as small as they can be): the
 * lower bound of each class into lower[0..k-1].  O(k n^2): the caller gives at
 * most JENKS_MAX values.
 */
#define JENKS_MAX 1500
static void
jenks(const double *v, int n, int k, double *lower)
{
	double	   *cost = palloc(sizeof(double) * (k + 1) * (n + 1));
	int		   *from = palloc(sizeof(int) * (k + 1) * (n + 1));
	double	   *s1 = palloc(sizeof(double) * (n + 1));
	double	   *s2 = palloc(sizeof(double) * (n + 1));
	int			end = n;

#define C(c, i) cost[(c) * (n + 1) + (i)]
#define F(c, i) from[(c) * (n + 1) + (i)]
	s1[0] = s2[0] = 0;
	for (int i = 0; i < n; i++)
	{
		s1[i + 1] = s1[i] + v[i];
		s2[i + 1] = s2[i] + v[i] * v[i];
	}
	for (int i = 0; i <= n; i++)	/* one class of the first i values */
	{
		C(1, i) = i == 0 ? 0 : s2[i] - s1[i] * s1[i] / i;
		F(1, i) = 0;
	}
	for (int c = 2; c <= k; c++)
		for (int i = c; i <= n; i++)
		{
			C(c, i) = INFINITY;
			F(c, i) = c - 1;
			for (int j = c - 1; j < i; j++)	/* the last class is v[j..i-1] */
			{
				double		sum = s1[i] - s1[j],
							sq = s2[i] - s2[j],
							cc = C(c - 1, j) + sq - sum * sum / (i - j);

				if (cc < C(c, i))
				{
					C(c, i) = cc;
					F(c, i) = j;
				}
			}
			if ((i & 255) == 0)
				CHECK_FOR_INTERRUPTS();
		}
	for (int c = k; c >= 1; c--)
	{
		int			j = F(c, end);

		lower[c - 1] = v[j];
		end = j;
	}
#undef C
#undef F
	pfree(cost);
	pfree(from);
	pfree(s1);
	pfree(s2);
}

/*
 * The value classes: up to five (fewer when there are fewer distinct values),
 * by quantiles (about as many shapes in each), natural breaks (Jenks; over
 * at most JENKS_MAX values spread evenly over the sorted ones) or equal
 * intervals of the range.
 */
static void
compute_classes(SvgMap *m)
{
	double	   *v;
	int			n = 0,
				ndistinct = 0;

	m->nclass = 0;
	if (m->mode != MODE_VALUE || m->vmin > m->vmax)
		return;
	v = palloc(sizeof(double) * m->nshapes);
	for (int i = 0; i < m->nshapes; i++)
		if (m->shapes[i].hasval)
			v[n++] = m->shapes[i].val;
	qsort(v, n, sizeof(double), cmp_double);
	for (int i = 0; i < n; i++)
		if (i == 0 || v[i] != v[i - 1])
			ndistinct++;
	m->nclass = Min(5, ndistinct);
	m->breaks[0] = v[0];
	m->breaks[m->nclass] = v[n - 1];
	if (m->nclass > 1)
	{
		if (m->opt.classes == CLASSES_EQUAL)
			for (int k = 1; k < m->nclass; k++)
				m->breaks[k] = m->vmin + (m->vmax - m->vmin) * k / m->nclass;
		else if (m->opt.classes == CLASSES_QUANTILE)
			for (int k = 1; k < m->nclass; k++)
				m->breaks[k] = v[(int) ((int64) k * n / m->nclass)];
		else
		{
			int			ns = Min(n, JENKS_MAX);
			double	   *sample = palloc(sizeof(double) * ns);
			double		lower[5];

			for (int i = 0; i < ns; i++)
				sample[i] = v[ns == n ? i : (int) ((int64) i * (n - 1) / (ns - 1))];
			jenks(sample, ns, m->nclass, lower);
			for (int k = 1; k < m->nclass; k++)
				m->breaks[k] = lower[k];
			pfree(sample);
		}
		/* equal neighbouring breaks (many equal values): fewer classes */
		for (int k = 1; k < m->nclass; k++)
			if (m->breaks[k] <= m->breaks[k - 1])
			{
				for (int j = k; j < m->nclass; j++)
					m->breaks[j] = m->breaks[j + 1];
				m->nclass--;
				k--;
			}
	}
	for (int k = 0; k < m->nclass; k++)
	{
		m->cmin[k] = INFINITY;
		m->cmax[k] = -INFINITY;
	}
	for (int i = 0; i < m->nshapes; i++)
		if (m->shapes[i].hasval)
		{
			int			k = value_class(m, m->shapes[i].val);

			m->count[k]++;
			m->cmin[k] = Min(m->cmin[k], m->shapes[i].val);
			m->cmax[k] = Max(m->cmax[k], m->shapes[i].val);
		}
	pfree(v);
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
	appendStringInfoString(&m->out, "<g id=\"labels\" font-size=\"10\" text-anchor=\"middle\" fill=\"#111111\" "
						   "stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\">\n");
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
 * Writes the legend: its heading (option legend), the three lights, or the
 * value classes from the highest down with their ranges and number of
 * shapes, then no data when a shape has no value.
 */
static void
write_legend(SvgMap *m)
{
	char		b1[64],
				b2[64];
	int			row = 0;

	appendStringInfo(&m->out, "<g id=\"legend\" font-size=\"12\" transform=\"translate(%d,%d)\">\n", 810, 60);
	if (m->opt.legend)
	{
		appendStringInfoString(&m->out, "<text x=\"0\" y=\"-10\" font-weight=\"bold\">");
		xml_escape(&m->out, m->opt.legend);
		appendStringInfoString(&m->out, "</text>\n");
	}
	if (m->mode == MODE_LIGHT)
	{
		for (int k = 0; k < 3; k++, row++)
			appendStringInfo(&m->out,
							 "<rect x=\"0\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\" stroke=\"#555555\"/>"
							 "<text x=\"26\" y=\"%d\">%s</text>\n",
							 k * 24, light_colour[k], k * 24 + 14, light_name[k]);
	}
	else
	{
		for (int k = m->nclass - 1; k >= 0; k--, row++)
		{
			/* equal intervals: the interval; quantiles and natural breaks: the values in the class */
			bool		bounds = m->opt.classes == CLASSES_EQUAL || m->count[k] == 0;

			fmt_value(b1, sizeof(b1), bounds ? m->breaks[k] : m->cmin[k]);
			fmt_value(b2, sizeof(b2), bounds ? m->breaks[k + 1] : m->cmax[k]);
			appendStringInfo(&m->out,
							 "<rect x=\"0\" y=\"%d\" width=\"18\" height=\"18\" fill=\"%s\" stroke=\"#555555\"/>"
							 "<text x=\"26\" y=\"%d\">",
							 row * 24, class_colour(m, k), row * 24 + 14);
			if (strcmp(b1, b2) == 0)
				appendStringInfoString(&m->out, b1);
			else
				appendStringInfo(&m->out, "%s &#8211; %s", b1, b2);
			appendStringInfo(&m->out, " (%d)</text>\n", m->count[k]);
		}
		if (m->nclass > 1)
			appendStringInfo(&m->out, "<text x=\"0\" y=\"%d\" font-size=\"10\" fill=\"#555555\">%s classes</text>\n",
							 (row + (m->anynull ? 1 : 0)) * 24 + 14,
							 m->opt.classes == CLASSES_QUANTILE ? "quantile" :
							 m->opt.classes == CLASSES_JENKS ? "natural-breaks" : "equal-interval");
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
	int			off;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (StringInfo) PG_GETARG_POINTER(0);
	if (st->len < 1)
		PG_RETURN_NULL();
	m.mode = st->data[0];
	if (m.mode != MODE_VALUE && m.mode != MODE_LIGHT)
		svg_corrupt_state("unknown kind");
	off = read_header(st, &m.opt);
	m.xmin = m.ymin = m.vmin = INFINITY;
	m.xmax = m.ymax = m.vmax = -INFINITY;
	m.geographic = true;

	collect_shapes(&m, st, off);
	if (m.nshapes == 0)
		m.geographic = false;
	fit_viewport(&m);
	compute_classes(&m);

	initStringInfo(&m.out);
	appendStringInfo(&m.out,
					 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
					 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
					 "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
					 SVG_W, SVG_H, SVG_W, SVG_H, SVG_W, SVG_H);
	if (m.opt.title)
	{
		appendStringInfo(&m.out, "<text id=\"title\" x=\"%d\" y=\"26\" font-size=\"18\" font-weight=\"bold\" text-anchor=\"middle\">", SVG_W / 2);
		xml_escape(&m.out, m.opt.title);
		appendStringInfoString(&m.out, "</text>\n");
	}
	draw_shapes(&m);
	draw_labels(&m);
	write_legend(&m);
	appendStringInfoString(&m.out, "</svg>\n");

	PG_RETURN_TEXT_P(cstring_to_text_with_len(m.out.data, m.out.len));
}
