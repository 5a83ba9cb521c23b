/*
 * rfm.h — the RFM value types shared by rfm.c (types, aggregates, maps) and
 * tiering.c (value tier over a gm.rfm score).
 */
#ifndef GM_RFM_H
#define GM_RFM_H

#include "gm.h"

/*
 * gm.rfm: three scores 1..5 packed as the decimal code r*100 + f*10 + m in an
 * int2 (pass by value).  Integer order of the code is the lexicographic order
 * of (r, f, m), which is also the order of the text form.
 */
typedef int16 GmRfm;

#define GM_RFM_R(c)		((int) ((c) / 100))
#define GM_RFM_F(c)		((int) (((c) / 10) % 10))
#define GM_RFM_M(c)		((int) ((c) % 10))
#define GM_RFM_MAKE(r, f, m)	((GmRfm) ((r) * 100 + (f) * 10 + (m)))

#define DatumGetGmRfm(d)	DatumGetInt16(d)
#define GmRfmGetDatum(c)	Int16GetDatum(c)
#define PG_GETARG_GMRFM(n)	DatumGetGmRfm(PG_GETARG_DATUM(n))
#define PG_RETURN_GMRFM(c)	return GmRfmGetDatum(c)

extern bool gm_rfm_code_valid(int code);

/*
 * gm.rfm_breaks: the four quintile cut points (values at 20/40/60/80 %) of
 * recency, frequency and monetary.  Fixed length (104 bytes), by reference.
 * A column without any non-NULL input has its bit in `present` clear.
 */
#define GM_RFM_COLS 3
#define GM_RFM_CUTS 4

typedef struct GmRfmBreaks
{
	int32		present;		/* bit i set: column i has cut points */
	int32		pad;			/* zero */
	double		cut[GM_RFM_COLS][GM_RFM_CUTS];
} GmRfmBreaks;

#endif							/* GM_RFM_H */
