/*
 * geom.h — reading PostGIS geometries in C without linking PostGIS.
 *
 * The serialized form (PostGIS liblwgeom/gserialized.txt, versions 1 and 2) is
 * parsed directly: header (SRID, flags, optional extended flags, optional float
 * bounding box), then the body (type, counts, doubles).  Polygons are unpacked
 * into GmPoly, on which gm_poly_covers() answers "does the closed polygon cover
 * the point" with the very arithmetic PostGIS's ST_Covers uses for a point in a
 * (multi)polygon, so that both agree to the last bit (see geom.c).
 */
#ifndef GM_GEOM_H
#define GM_GEOM_H

#include "gm.h"

/* PostGIS geometry type numbers */
#define GM_POINTTYPE		1
#define GM_LINETYPE			2
#define GM_POLYGONTYPE		3
#define GM_MULTIPOINTTYPE	4
#define GM_MULTILINETYPE	5
#define GM_MULTIPOLYGONTYPE 6
#define GM_COLLECTIONTYPE	7

typedef struct GmGser
{
	int32		srid;			/* 0 = unknown */
	uint32		type;			/* GM_*TYPE */
	bool		hasz;
	bool		hasm;
	int			ndims;			/* doubles per point: 2..4 */
	const char *body;			/* type word onwards */
	Size		bodylen;
} GmGser;

typedef struct GmRing
{
	uint32		npts;
	double	   *xy;				/* 2 * npts, closed ring */
	double		ymin,
				ymax;
	/* optional y-band index over the edges (long rings only) */
	uint32		nbands;
	double		band_scale;		/* nbands / (ymax - ymin) */
	uint32	   *band_start;		/* nbands + 1 */
	uint32	   *band_edge;		/* edge indices, per band */
} GmRing;

typedef struct GmPoly
{
	int			nparts;			/* polygons of the multipolygon */
	int		   *part_nrings;	/* rings per part: exterior then holes */
	int			nrings;
	GmRing	   *rings;
	double		xmin,
				ymin,
				xmax,
				ymax;			/* exact bounding box of all rings */
	bool		empty;
} GmPoly;

/* parse the header of a (detoasted, possibly short-header) geometry datum */
extern void gm_gser_parse(const struct varlena *v, GmGser *g);
extern const char *gm_geom_type_name(uint32 type);
extern bool gm_gser_is_empty(const GmGser *g);
/* coordinates of a non-empty POINT; false when empty */
extern bool gm_gser_point(const GmGser *g, double *x, double *y);
/* the same from the bytes of a serialized geometry (no varlena header) */
extern void gm_gser_parse_bytes(const char *data, Size len, GmGser *g);
/* unpack a POLYGON or MULTIPOLYGON into *p (palloc'd in the current context) */
extern void gm_gser_polygons(const GmGser *g, GmPoly *p);

/*
 * gm_gser_polygons with options (0: exactly gm_gser_polygons):
 *   GM_POLY_ANY      every polygon of the geometry, however deep in collections;
 *                    points, lines and empty parts are skipped; any other type
 *                    (curves, surfaces, ...) is returned, *p then unset; 0 = fine.
 *                    Deeper than 32 levels: ERROR 54000.
 *   GM_POLY_NOINDEX  no y-band index over long rings, for readers that only
 *                    walk the rings (gm_poly_covers stays correct, just slower).
 * The rings of part k are rings[r .. r + part_nrings[k] - 1], r the sum of the
 * earlier parts' counts.
 */
#define GM_POLY_ANY		0x01
#define GM_POLY_NOINDEX 0x02
extern uint32 gm_gser_polygons_opt(const GmGser *g, GmPoly *p, int options);

/* closed polygon (boundary included) covers (x, y), exactly as PostGIS decides */
extern bool gm_poly_covers(const GmPoly *p, double x, double y);
/* Cartesian distance from (x, y) to the polygon's rings (0 when covered) */
extern double gm_poly_distance(const GmPoly *p, double x, double y);
/* total number of edges of the polygon */
extern uint32 gm_poly_nedges(const GmPoly *p);

#endif							/* GM_GEOM_H */
