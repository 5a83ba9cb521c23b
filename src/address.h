/*
 * address.h — Chinese address parsing over the official divisions (GB/T 2260):
 * the normalised form of an address and the parse result shared by address.c
 * (the parser and its division dictionary) and address_sql.c (SQL entry points).
 */
#ifndef GM_ADDRESS_H
#define GM_ADDRESS_H

#include "gm.h"

/* only the first GM_ADDR_MAX_CHARS characters of an address are read */
#define GM_ADDR_MAX_CHARS 512
/* a community name longer than this is not one (noise, a sentence) */
#define GM_ADDR_MAX_PART 40

/* an address after normalisation: UTF-8 bytes, one code point and byte offset per character */
typedef struct GmAddrText
{
	int			n;				/* characters */
	uint32		cp[GM_ADDR_MAX_CHARS + 1];
	int32		off[GM_ADDR_MAX_CHARS + 1]; /* off[n] = byte length */
	char		buf[GM_ADDR_MAX_CHARS * 4 + 1];
} GmAddrText;

/* a part of the normalised text: [from, to) in characters; empty when from >= to */
typedef struct GmAddrSpan
{
	int			from;
	int			to;
} GmAddrSpan;

/* fields of gm.address, in order */
enum
{
	GM_ADDR_PROVINCE, GM_ADDR_CITY, GM_ADDR_DISTRICT,
	GM_ADDR_PROVINCE_CODE, GM_ADDR_CITY_CODE, GM_ADDR_DISTRICT_CODE,
	GM_ADDR_STREET, GM_ADDR_ROAD, GM_ADDR_COMMUNITY,
	GM_ADDR_BUILDING, GM_ADDR_UNIT, GM_ADDR_ROOM,
	GM_ADDR_CONFIDENCE, GM_ADDR_NFIELDS
};

typedef struct GmAddrResult
{
	/* divisions: indexes into the dictionary, -1 when not found */
	int			province;
	int			city;
	int			district;
	int			town;
	bool		ambiguous;		/* a name chosen among several without context */
	int			explicit_levels;	/* division levels written in the text */
	GmAddrSpan	street;
	GmAddrSpan	road;
	GmAddrSpan	community;
	/* building, unit and room as ASCII (digits, letters), empty when absent */
	char		building[16];
	char		unit[16];
	char		room[16];
	float4		confidence;
} GmAddrResult;

extern void gm_addr_normalize(const char *s, int len, GmAddrText *t);
extern void gm_addr_parse(const GmAddrText *t, GmAddrResult *r);

/* the dictionary's view of a division (valid until the next statement) */
extern const char *gm_addr_div_name(int idx, int *len);
extern const char *gm_addr_div_code(int idx);
extern int	gm_addr_div_count(void);
extern text *gm_addr_div_text(int idx, bool code);

#endif							/* GM_ADDRESS_H */
