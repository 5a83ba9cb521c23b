/*
 * address_sql.c — SQL entry points of the address parser (address.c):
 *
 *     gm.parse_address(text) RETURNS gm.address            STABLE, reads gm.division
 *     gm.normalize_address(text) RETURNS text              IMMUTABLE
 *     gm.mask_address(text, keep text) RETURNS text        STABLE, through the parser
 *
 * Text is converted to UTF-8 for the parser and back to the database encoding
 * for the result, so a non-UTF-8 database works too (characters its encoding
 * lacks are then simply absent from its addresses).
 */
#include "address.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

/* the input as UTF-8 (a pointer into the argument when the database is UTF-8) */
static const char *
utf8_arg(text *t, int *len)
{
	const char *s = VARDATA_ANY(t);
	int			n = VARSIZE_ANY_EXHDR(t);
	char	   *u;

	/* the parser reads at most GM_ADDR_MAX_CHARS characters: never convert more than that */
	if (n > GM_ADDR_MAX_CHARS * 4)
		n = GM_ADDR_MAX_CHARS * 4;
	if (GetDatabaseEncoding() == PG_UTF8)
	{
		*len = n;
		return s;
	}
	/* cut at a character boundary of the database encoding before converting */
	n = pg_mbcliplen(s, n, n);
	u = pg_server_to_any(s, n, PG_UTF8);
	*len = (u == s) ? n : (int) strlen(u);
	return u;
}

static Datum
utf8_text(const char *s, int len)
{
	if (GetDatabaseEncoding() != PG_UTF8)
	{
		char	   *tmp = pnstrdup(s, len);
		char	   *c = pg_any_to_server(tmp, len, PG_UTF8);

		return PointerGetDatum(cstring_to_text(c));
	}
	return PointerGetDatum(cstring_to_text_with_len(s, len));
}

static void
span_value(const GmAddrText *t, GmAddrSpan sp, Datum *v, bool *isnull)
{
	if (sp.to <= sp.from)
	{
		*isnull = true;
		return;
	}
	*v = utf8_text(t->buf + t->off[sp.from], t->off[sp.to] - t->off[sp.from]);
	*isnull = false;
}

static void
div_value(int idx, bool code, Datum *v, bool *isnull)
{
	text	   *t = (idx >= 0) ? gm_addr_div_text(idx, code) : NULL;

	*isnull = (t == NULL);
	if (t != NULL)
		*v = PointerGetDatum(t);
}

static void
ascii_value(const char *s, Datum *v, bool *isnull)
{
	*isnull = (s[0] == '\0');
	if (!*isnull)
		*v = CStringGetTextDatum(s);
}

static GmAddrText *parse_buf = NULL;

PG_FUNCTION_INFO_V1(gm_parse_address);
Datum
gm_parse_address(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	TupleDesc	desc = (TupleDesc) fcinfo->flinfo->fn_extra;
	GmAddrText *t;
	GmAddrResult r;
	Datum		v[GM_ADDR_NFIELDS];
	bool		nulls[GM_ADDR_NFIELDS];
	const char *s;
	int			len;

	if (desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("gm.parse_address must return the composite type gm.address")));
		desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
		if (desc->natts != GM_ADDR_NFIELDS)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("gm.address has %d fields, the library expects %d", desc->natts, GM_ADDR_NFIELDS),
					 errhint("The library and the installed extension version differ: ALTER EXTENSION grid_marketing UPDATE.")));
		fcinfo->flinfo->fn_extra = desc;
	}
	/* one buffer per backend: the parser never calls itself */
	if (parse_buf == NULL)
		parse_buf = MemoryContextAlloc(TopMemoryContext, sizeof(GmAddrText));
	t = parse_buf;
	s = utf8_arg(in, &len);
	gm_addr_normalize(s, len, t);
	gm_addr_parse(t, &r);

	div_value(r.province, false, &v[GM_ADDR_PROVINCE], &nulls[GM_ADDR_PROVINCE]);
	div_value(r.city, false, &v[GM_ADDR_CITY], &nulls[GM_ADDR_CITY]);
	div_value(r.district, false, &v[GM_ADDR_DISTRICT], &nulls[GM_ADDR_DISTRICT]);
	div_value(r.province, true, &v[GM_ADDR_PROVINCE_CODE], &nulls[GM_ADDR_PROVINCE_CODE]);
	div_value(r.city, true, &v[GM_ADDR_CITY_CODE], &nulls[GM_ADDR_CITY_CODE]);
	div_value(r.district, true, &v[GM_ADDR_DISTRICT_CODE], &nulls[GM_ADDR_DISTRICT_CODE]);
	if (r.town >= 0)
		div_value(r.town, false, &v[GM_ADDR_STREET], &nulls[GM_ADDR_STREET]);
	else
		span_value(t, r.street, &v[GM_ADDR_STREET], &nulls[GM_ADDR_STREET]);
	span_value(t, r.road, &v[GM_ADDR_ROAD], &nulls[GM_ADDR_ROAD]);
	span_value(t, r.community, &v[GM_ADDR_COMMUNITY], &nulls[GM_ADDR_COMMUNITY]);
	ascii_value(r.building, &v[GM_ADDR_BUILDING], &nulls[GM_ADDR_BUILDING]);
	ascii_value(r.unit, &v[GM_ADDR_UNIT], &nulls[GM_ADDR_UNIT]);
	ascii_value(r.room, &v[GM_ADDR_ROOM], &nulls[GM_ADDR_ROOM]);
	v[GM_ADDR_CONFIDENCE] = Float4GetDatum(r.confidence);
	nulls[GM_ADDR_CONFIDENCE] = false;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, v, nulls)));
}

PG_FUNCTION_INFO_V1(gm_normalize_address);
Datum
gm_normalize_address(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	GmAddrText *t = palloc(sizeof(GmAddrText));
	const char *s;
	int			len;
	Datum		d;

	s = utf8_arg(in, &len);
	gm_addr_normalize(s, len, t);
	d = utf8_text(t->buf, t->off[t->n]);
	pfree(t);
	PG_RETURN_DATUM(d);
}

/*
 * gm.mask_address(address, keep): the levels of the parse down to `keep`
 * (province, city, district, street, road, community) in their official
 * names, then ****.  Nothing read: ****; the empty string stays empty.
 */
PG_FUNCTION_INFO_V1(gm_mask_address_parsed);
Datum
gm_mask_address_parsed(PG_FUNCTION_ARGS)
{
	text	   *in = PG_GETARG_TEXT_PP(0);
	char	   *keep = text_to_cstring(PG_GETARG_TEXT_PP(1));
	static const char *const levels[] = {"province", "city", "district", "street", "road", "community"};
	int			upto = -1,
				k;
	GmAddrText *t;
	GmAddrResult r;
	StringInfoData buf;
	const char *s;
	int			len;

	for (k = 0; k < (int) lengthof(levels); k++)
		if (strcmp(keep, levels[k]) == 0)
			upto = k;
	if (upto < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("gm.mask_address: unknown level \"%s\" to keep", keep),
				 errhint("Keep one of province, city, district, street, road, community.")));
	if (VARSIZE_ANY_EXHDR(in) == 0)
		PG_RETURN_TEXT_P(cstring_to_text(""));
	t = palloc(sizeof(GmAddrText));
	s = utf8_arg(in, &len);
	gm_addr_normalize(s, len, t);
	gm_addr_parse(t, &r);
	initStringInfo(&buf);
	for (k = 0; k <= upto; k++)
	{
		int			idx = (k == 0) ? r.province : (k == 1) ? r.city : (k == 2) ? r.district : -1;
		GmAddrSpan	sp = (k == 3) ? r.street : (k == 4) ? r.road : r.community;

		if (k <= 2)
		{
			int			nlen;
			const char *n;

			/* a municipality's city is the municipality again: once is enough */
			if (idx < 0 || (k == 1 && r.province >= 0 &&
							gm_addr_div_name(idx, &nlen) == gm_addr_div_name(r.province, &nlen)))
				continue;
			n = gm_addr_div_name(idx, &nlen);
			if (n != NULL)
				appendBinaryStringInfo(&buf, n, nlen);
		}
		else if (k == 3 && r.town >= 0)
		{
			int			nlen;
			const char *n = gm_addr_div_name(r.town, &nlen);

			appendBinaryStringInfo(&buf, n, nlen);
		}
		else if (sp.to > sp.from)
			appendBinaryStringInfo(&buf, t->buf + t->off[sp.from], t->off[sp.to] - t->off[sp.from]);
	}
	appendStringInfoString(&buf, "****");
	pfree(t);
	PG_RETURN_DATUM(utf8_text(buf.data, buf.len));
}
