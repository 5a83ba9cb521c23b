/*
 * address.c — the Chinese address parser (地址解析) over the official divisions.
 *
 * An address is normalised once (full-width ASCII folded, blanks and punctuation
 * dropped, Latin letters upper-cased; only the first GM_ADDR_MAX_CHARS characters
 * are read), then read left to right:
 *
 *   1. divisions: at the current position the longest name of the dictionary
 *      (official name, short form, old name) that fits below the divisions already
 *      read is taken; levels may be left out (浙江杭州西湖区, 广州天河区, 义乌市) and are
 *      filled in from the parent chain; a name several divisions share (朝阳区,
 *      南山区, 鼓楼区) is resolved by the levels read before it, else the lowest code
 *      is taken and the result is marked ambiguous.  Short forms of counties are
 *      read only below a division already read; a short form followed by a road
 *      word (中山路) is not a division;
 *   2. street / town (街道, 镇, 乡, 苏木), unless a town of the dictionary was read;
 *   3. road and number (路 街 大道 道 巷 弄 胡同, an optional 段, numbers with 号/弄);
 *   4. community, building (号楼 栋 幢 座 #), unit (单元), room (室 房, a bare number
 *      after a building or unit, or the a-b-c / a-b forms).
 *
 * The dictionary is built from gm.division and gm.division_alias once per backend
 * through the project's cache (cache.c) and rebuilt after any committed change of
 * either table.  Nothing here raises an error on any input: what cannot be read
 * stays empty and lowers the confidence.
 */
#include "address.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* ------------------------------------------------------------------ dictionary */

typedef struct AddrDiv
{
	char		code[12];
	const char *name;			/* official name, UTF-8 */
	int			namelen;
	int			level;			/* 1 province, 2 prefecture, 3 county, 4 town */
	int			parent;			/* index, -1 for none */
	bool		pseudo;			/* 市辖区, 县, 省直辖县级行政区划: never matched */
	const char *out_name;		/* name shown for it: the province's for 市辖区 / 县, NULL for 直辖 */
	int			out_namelen;
	const char *out_code;		/* NULL for 省直辖县级行政区划 */
	text	   *name_text;		/* out_name and out_code as text of the database encoding */
	text	   *code_text;
} AddrDiv;

typedef struct AddrHit
{
	int			div;
	int			kind;			/* 0 official name, 1 short form, 2 old name / alias */
	int			next;			/* next hit of the same key, -1 */
} AddrHit;

typedef struct AddrKey
{
	uint32		hash;
	int			keylen;			/* bytes; 0: empty slot */
	const char *key;
	int			hit;
} AddrKey;

typedef struct AddrDict
{
	int			ndiv;
	AddrDiv    *div;
	int			nhit;
	AddrHit    *hit;
	uint32		mask;			/* slots - 1 */
	AddrKey    *slot;
	int			maxchars;
	uint8		first[65536 / 8];	/* BMP code points that start some key */
} AddrDict;

static GmCacheWatch addr_watch = {{"division", "division_alias"}};
static AddrDict *addr_dict = NULL;

#define FNV_INIT 2166136261u
#define FNV_STEP(h, b) (((h) ^ (uint8) (b)) * 16777619u)

static uint32
fnv(const char *s, int len)
{
	uint32		h = FNV_INIT;
	int			i;

	for (i = 0; i < len; i++)
		h = FNV_STEP(h, s[i]);
	return h;
}

static int
utf8_chars(const char *s, int len, uint32 *first_cp)
{
	int			i = 0,
				n = 0;

	*first_cp = 0;
	while (i < len)
	{
		int			l = pg_utf_mblen((const unsigned char *) s + i);

		if (l < 1 || i + l > len)
			return -1;
		if (n == 0)
			*first_cp = utf8_to_unicode((const unsigned char *) s + i);
		i += l;
		n++;
	}
	return n;
}

/* the slot of a key (bytes), inserting it (as a prefix only, hit -1) when absent */
static AddrKey *
dict_slot(AddrDict *d, const char *key, int keylen)
{
	uint32		h = fnv(key, keylen),
				i;

	for (i = h & d->mask;; i = (i + 1) & d->mask)
	{
		AddrKey    *k = &d->slot[i];

		if (k->keylen == 0)
		{
			k->hash = h;
			k->keylen = keylen;
			k->key = key;
			k->hit = -1;
			return k;
		}
		if (k->hash == h && k->keylen == keylen && memcmp(k->key, key, keylen) == 0)
			return k;
	}
}

/*
 * A name of a division: the name itself, and every prefix of it (so that the
 * reader stops at the first prefix no name has, without trying longer ones).
 */
/* characters of a string of the database encoding (an upper bound for other encodings than UTF-8) */
static uint64
utf8_count(const char *v)
{
	uint64		n = 1;

	if (v == NULL)
		return 0;
	if (GetDatabaseEncoding() != PG_UTF8)
		return strlen(v) + 1;
	for (; *v; v++)
		if ((*v & 0xC0) != 0x80)
			n++;
	return n;
}

static void
dict_add_key(AddrDict *d, const char *key, int keylen, int div, int kind)
{
	uint32		first;
	int			nchars,
				b,
				j;
	AddrKey    *k;
	AddrHit    *hit;

	if (key == NULL || keylen <= 0)
		return;
	nchars = utf8_chars(key, keylen, &first);
	if (nchars < 2 || nchars > 31)
		return;					/* one character is never a division name */
	for (b = 0; b < keylen;)
	{
		b += pg_utf_mblen((const unsigned char *) key + b);
		k = dict_slot(d, key, Min(b, keylen));
	}
	if (nchars > d->maxchars)
		d->maxchars = nchars;
	if (first < 65536)
		d->first[first >> 3] |= (uint8) (1 << (first & 7));
	/* one hit per division and key */
	for (j = k->hit; j >= 0; j = d->hit[j].next)
		if (d->hit[j].div == div)
		{
			if (kind < d->hit[j].kind)
				d->hit[j].kind = kind;
			return;
		}
	hit = &d->hit[d->nhit];
	hit->div = div;
	hit->kind = kind;
	hit->next = k->hit;
	k->hit = d->nhit++;
}

static int
dict_find_code(const AddrDict *d, const char *code)
{
	int			lo = 0,
				hi = d->ndiv - 1;

	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(d->div[mid].code, code);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* a copy of an SPI text value in UTF-8, in the current memory context; NULL for NULL */
static char *
spi_utf8(HeapTuple tup, TupleDesc td, int col, int *len)
{
	char	   *v = SPI_getvalue(tup, td, col);
	char	   *u;

	*len = 0;
	if (v == NULL)
		return NULL;
	u = pg_server_to_any(v, strlen(v), PG_UTF8);
	if (u == v)
		u = pstrdup(v);
	*len = strlen(u);
	return u;
}

static const AddrDict *
addr_dictionary(void)
{
	if (!gm_cache_valid(&addr_watch))
	{
		MemoryContext cxt = gm_cache_begin_rebuild(&addr_watch);
		MemoryContext old;
		AddrDict   *d;
		bool		pushed;
		uint64		i,
					nalias;
		uint32		slots;
		SPITupleTable *divs,
				   *aliases;

		addr_dict = NULL;
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		pushed = gm_cache_read_begin(&addr_watch);
		if (SPI_execute("SELECT d.code, d.name, d.short_name, d.level, d.parent_code FROM gm.division d "
						"ORDER BY d.code COLLATE \"C\"", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "cannot read gm.division");
		divs = SPI_tuptable;
		if (SPI_execute("SELECT a.alias, a.code FROM gm.division_alias a", true, 0) != SPI_OK_SELECT)
			elog(ERROR, "cannot read gm.division_alias");
		aliases = SPI_tuptable;
		nalias = SPI_processed;
		gm_cache_read_end(pushed);

		old = MemoryContextSwitchTo(cxt);
		d = palloc0(sizeof(AddrDict));
		d->ndiv = (int) divs->numvals;
		d->div = palloc0(sizeof(AddrDiv) * (d->ndiv + 1));
		d->hit = palloc0(sizeof(AddrHit) * (2 * d->ndiv + nalias + 1));
		/* every name and every prefix of it has a slot: at most half of them used */
		{
			uint64		chars = 0;
			int			c;

			for (i = 0; i < (uint64) d->ndiv; i++)
				for (c = 2; c <= 3; c++)
				{
					char	   *v = SPI_getvalue(divs->vals[i], divs->tupdesc, c);

					chars += utf8_count(v);
				}
			for (i = 0; i < nalias; i++)
			{
				char	   *v = SPI_getvalue(aliases->vals[i], aliases->tupdesc, 1);

				chars += utf8_count(v);
			}
			for (slots = 64; slots < 2 * chars; slots <<= 1)
				;
		}
		d->slot = palloc0(sizeof(AddrKey) * slots);
		d->mask = slots - 1;
		for (i = 0; i < (uint64) d->ndiv; i++)
		{
			HeapTuple	tup = divs->vals[i];
			AddrDiv    *v = &d->div[i];
			char	   *code = SPI_getvalue(tup, divs->tupdesc, 1);
			char	   *lvl = SPI_getvalue(tup, divs->tupdesc, 4);

			strlcpy(v->code, code ? code : "", sizeof(v->code));
			v->name = spi_utf8(tup, divs->tupdesc, 2, &v->namelen);
			v->level = lvl ? atoi(lvl) : 0;
			v->parent = -1;
			if (v->name == NULL)
				v->name = "";
			v->pseudo = (strcmp(v->name, "市辖区") == 0 || strcmp(v->name, "县") == 0 ||
						 strcmp(v->name, "省直辖县级行政区划") == 0 ||
						 strcmp(v->name, "自治区直辖县级行政区划") == 0);
			v->out_name = v->name;
			v->out_namelen = v->namelen;
			v->out_code = v->code;
		}
		/* parents, then the keys */
		for (i = 0; i < (uint64) d->ndiv; i++)
		{
			char	   *pc = SPI_getvalue(divs->vals[i], divs->tupdesc, 5);

			if ((i & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			d->div[i].parent = pc ? dict_find_code(d, pc) : -1;
		}
		for (i = 0; i < (uint64) d->ndiv; i++)
		{
			AddrDiv    *v = &d->div[i];
			int			slen;
			char	   *sh;

			if (v->pseudo)
			{
				/* 市辖区 / 县 of a municipality show as the municipality; 直辖 counties have no prefecture */
				if (v->parent >= 0 && (strcmp(v->name, "市辖区") == 0 || strcmp(v->name, "县") == 0))
				{
					v->out_name = d->div[v->parent].name;
					v->out_namelen = d->div[v->parent].namelen;
				}
				else
				{
					v->out_name = NULL;
					v->out_namelen = 0;
					v->out_code = NULL;
				}
				continue;
			}
			if (v->level < 1 || v->level > 4)
				continue;
			dict_add_key(d, v->name, v->namelen, (int) i, 0);
			sh = spi_utf8(divs->vals[i], divs->tupdesc, 3, &slen);
			if (sh != NULL && (slen != v->namelen || memcmp(sh, v->name, slen) != 0))
				dict_add_key(d, sh, slen, (int) i, 1);
		}
		for (i = 0; i < nalias; i++)
		{
			int			alen;
			char	   *alias = spi_utf8(aliases->vals[i], aliases->tupdesc, 1, &alen);
			char	   *code = SPI_getvalue(aliases->vals[i], aliases->tupdesc, 2);
			int			idx = code ? dict_find_code(d, code) : -1;

			if (idx >= 0 && !d->div[idx].pseudo)
				dict_add_key(d, alias, alen, idx, 2);
		}
		/* the values gm.parse_address returns, made once */
		for (i = 0; i < (uint64) d->ndiv; i++)
		{
			AddrDiv    *v = &d->div[i];

			if (v->out_name != NULL)
			{
				char	   *tmp = pnstrdup(v->out_name, v->out_namelen);
				char	   *srv = pg_any_to_server(tmp, v->out_namelen, PG_UTF8);

				v->name_text = cstring_to_text(srv);
			}
			if (v->out_code != NULL)
				v->code_text = cstring_to_text(v->out_code);
		}
		MemoryContextSwitchTo(old);
		SPI_finish();
		addr_dict = d;
		gm_cache_end_rebuild(&addr_watch);
	}
	return addr_dict;
}

const char *
gm_addr_div_name(int idx, int *len)
{
	const AddrDiv *v = &addr_dict->div[idx];

	*len = v->out_namelen;
	return v->out_name;
}

const char *
gm_addr_div_code(int idx)
{
	return addr_dict->div[idx].out_code;
}

text *
gm_addr_div_text(int idx, bool code)
{
	return code ? addr_dict->div[idx].code_text : addr_dict->div[idx].name_text;
}

int
gm_addr_div_count(void)
{
	return addr_dictionary()->ndiv;
}

/* ------------------------------------------------------------------ normalisation */

static inline bool
addr_drop(uint32 cp)
{
	if (cp <= ' ' || cp == 0x7F)
		return true;
	switch (cp)
	{
		case ',': case '.': case ';': case ':': case '\'': case '"': case '`': case '!':
		case '?': case '(': case ')': case '[': case ']': case '{': case '}': case '<':
		case '>': case '/': case '\\': case '|': case '_': case '~': case '*': case '@':
		case '$': case '%': case '^': case '&': case '+': case '=':
		case 0xA0: case 0x2007: case 0x202F: case 0x200B: case 0xFEFF: case 0x3000:
		case 0x3001: case 0x3002: case 0xFF0C: case 0xFF1B: case 0xFF1A:	/* 、 。 ， ； ： */
		case 0x201C: case 0x201D: case 0x2018: case 0x2019: case 0xFF08: case 0xFF09:
		case 0x3010: case 0x3011: case 0x300A: case 0x300B: case 0x300C: case 0x300D:
		case 0x00B7: case 0x2026: case 0xFF01: case 0xFF1F:
			return true;
		default:
			return false;
	}
}

/*
 * The normalised form of an address (UTF-8 in, UTF-8 out): full-width ASCII
 * folded, blanks, control characters and punctuation dropped (dashes kept as
 * '-', '#' kept), Latin letters upper-cased, invalid bytes dropped; the first
 * GM_ADDR_MAX_CHARS characters kept.
 */
void
gm_addr_normalize(const char *s, int len, GmAddrText *t)
{
	const unsigned char *p = (const unsigned char *) s;
	int			i = 0,
				n = 0,
				b = 0;

	while (i < len && n < GM_ADDR_MAX_CHARS)
	{
		uint32		cp;
		int			l;
		unsigned char c = p[i];

		/* decode one UTF-8 character; a byte that starts none is dropped */
		if (c < 0x80)
		{
			cp = c;
			l = 1;
		}
		else if (c >= 0xC2 && c < 0xE0 && i + 1 < len && (p[i + 1] & 0xC0) == 0x80)
		{
			cp = ((c & 0x1F) << 6) | (p[i + 1] & 0x3F);
			l = 2;
		}
		else if (c >= 0xE0 && c < 0xF0 && i + 2 < len && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80)
		{
			cp = ((c & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
			l = 3;
			if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
			{
				i++;
				continue;
			}
		}
		else if (c >= 0xF0 && c < 0xF5 && i + 3 < len && (p[i + 1] & 0xC0) == 0x80 &&
				 (p[i + 2] & 0xC0) == 0x80 && (p[i + 3] & 0xC0) == 0x80)
		{
			cp = ((c & 0x07) << 18) | ((p[i + 1] & 0x3F) << 12) | ((p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
			l = 4;
			if (cp < 0x10000 || cp > 0x10FFFF)
			{
				i++;
				continue;
			}
		}
		else
		{
			i++;
			continue;
		}
		if (cp >= 0xFF01 && cp <= 0xFF5E)
		{
			if (!addr_drop(cp))
			{
				cp -= 0xFEE0;	/* full-width ASCII */
				l = -1;
			}
		}
		else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30FC)
		{
			cp = '-';
			l = -1;
		}
		if (addr_drop(cp))
		{
			i += (l < 0) ? 3 : l;	/* folded characters are 3 bytes */
			continue;
		}
		if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		t->cp[n] = cp;
		t->off[n] = b;
		if (cp < 0x80)
		{
			t->buf[b++] = (char) cp;
			i += (l < 0) ? 3 : 1;
		}
		else
		{
			memcpy(t->buf + b, p + i, l);
			b += l;
			i += l;
		}
		n++;
	}
	t->n = n;
	t->off[n] = b;
	t->cp[n] = 0;
	t->buf[b] = '\0';
}

/* ------------------------------------------------------------------ division matching */

/* characters that end a road name: a short form followed by one is a road (中山路), not a division */
static inline bool
is_road_char(uint32 cp)
{
	return cp == 0x8DEF /* 路 */ || cp == 0x8857 /* 街 */ || cp == 0x9053 /* 道 */ ||
		cp == 0x5DF7 /* 巷 */ || cp == 0x5F04 /* 弄 */ || cp == 0x80E1 /* 胡 */ ||
		cp == 0x6751 /* 村 */ || cp == 0x91CC /* 里 */ || cp == 0x5927 /* 大 */ ||
		cp == 0x5DDE /* 州 */ || cp == 0x5C71 /* 山 */ || cp == 0x6E56 /* 湖 */ ||
		cp == 0x82D1 /* 苑 */ || cp == 0x56ED /* 园 */;
}

static bool
is_descendant(const AddrDict *d, int x, int anc)
{
	int			k;

	for (k = 0; k < 6 && x >= 0; k++)
	{
		x = d->div[x].parent;
		if (x == anc)
			return true;
	}
	return false;
}

/*
 * The division named at position pos below `deepest` (-1: none read yet):
 * sets *len (characters) and *ambiguous, returns its index or -1.
 * `same` returns true when the name at pos is `deepest` itself again.
 */
static int
match_division(const AddrDict *d, const GmAddrText *t, int pos, int deepest,
			   int *len, bool *ambiguous, bool *same)
{
	int			found[32],
				flen[32],
				nfound = 0;
	int			maxl = Min(d->maxchars, t->n - pos);
	int			L;
	uint32		hv = FNV_INIT;
	uint32		c0 = t->cp[pos];

	*same = false;
	if (maxl < 2 || c0 >= 65536 || !(d->first[c0 >> 3] & (1 << (c0 & 7))))
		return -1;
	/* the names at pos, shortest first: walk the prefixes while some name has them */
	for (L = 1; L <= maxl; L++)
	{
		int			b;
		uint32		i;
		const char *key = t->buf + t->off[pos];
		int			keylen = t->off[pos + L] - t->off[pos];

		for (b = t->off[pos + L - 1]; b < t->off[pos + L]; b++)
			hv = FNV_STEP(hv, t->buf[b]);
		for (i = hv & d->mask;; i = (i + 1) & d->mask)
		{
			const AddrKey *s = &d->slot[i];

			if (s->keylen == 0)
				goto walked;
			if (s->hash == hv && s->keylen == keylen && memcmp(s->key, key, keylen) == 0)
			{
				if (s->hit >= 0 && nfound < 32)
				{
					found[nfound] = s->hit;
					flen[nfound++] = L;
				}
				break;
			}
		}
	}
walked:
	/* the longest name that fits */
	while (nfound-- > 0)
	{
		int			best = -1,
					nbest = 0,
					j;

		L = flen[nfound];
		for (j = found[nfound]; j >= 0; j = d->hit[j].next)
		{
			const AddrHit *hit = &d->hit[j];
			const AddrDiv *v = &d->div[hit->div];

			if (hit->kind == 1)
			{
				/* a short form: not before a road word, a county's only below a division read */
				if (pos + L < t->n && is_road_char(t->cp[pos + L]))
					continue;
				if (v->level >= 3 && deepest < 0)
					continue;
			}
			if (hit->div == deepest && hit->kind != 1)
			{
				/* the division written again in full (a short form may begin a name: 滨江区滨江花园) */
				*same = true;
				*len = L;
				return -1;
			}
			if (deepest >= 0 && (v->level <= d->div[deepest].level || !is_descendant(d, hit->div, deepest)))
				continue;
			/* the highest level first, then the lowest code; count the rivals on that level */
			if (best < 0 || v->level < d->div[best].level)
			{
				best = hit->div;
				nbest = 1;
			}
			else if (v->level == d->div[best].level)
			{
				nbest++;
				if (hit->div < best)
					best = hit->div;
			}
		}
		if (best >= 0)
		{
			*len = L;
			*ambiguous = (nbest > 1);
			return best;
		}
	}
	return -1;
}

/* ------------------------------------------------------------------ the rest of the address */

#define CP(t, i) ((i) < (t)->n ? (t)->cp[i] : 0)

static inline bool
is_digit(uint32 cp)
{
	return cp >= '0' && cp <= '9';
}

static inline bool
is_upper(uint32 cp)
{
	return cp >= 'A' && cp <= 'Z';
}

static int
cn_digit(uint32 cp)
{
	switch (cp)
	{
		case 0x96F6: case 0x3007: return 0;	/* 零 〇 */
		case 0x4E00: return 1;	/* 一 */
		case 0x4E8C: case 0x4E24: return 2;	/* 二 两 */
		case 0x4E09: return 3;
		case 0x56DB: return 4;
		case 0x4E94: return 5;
		case 0x516D: return 6;
		case 0x4E03: return 7;
		case 0x516B: return 8;
		case 0x4E5D: return 9;
		case 0x5341: return 10;	/* 十 */
		default: return -1;
	}
}

/*
 * A number token at i: ASCII digits, one or two Latin letters with optional
 * digits (A座, B2栋), or Chinese numerals up to 99 (三栋, 十二单元).  Writes it
 * as ASCII into out (size 16); returns the position after it, or i when none.
 */
static int
read_number(const GmAddrText *t, int i, char *out, bool allow_cn)
{
	int			j = i,
				o = 0;

	out[0] = '\0';
	if (is_upper(CP(t, j)))
	{
		while (is_upper(CP(t, j)) && j - i < 3)
			out[o++] = (char) t->cp[j++];
		if (j - i > 2 || is_upper(CP(t, j)))
		{
			out[0] = '\0';
			return i;			/* a word (SOHO), not a building letter */
		}
		while (is_digit(CP(t, j)) && o < 15)
			out[o++] = (char) t->cp[j++];
		out[o] = '\0';
		return j;
	}
	if (is_digit(CP(t, j)))
	{
		while (is_digit(CP(t, j)))
		{
			if (o < 15)
				out[o++] = (char) t->cp[j];
			j++;
		}
		out[o] = '\0';
		return j;
	}
	if (allow_cn && cn_digit(CP(t, j)) >= 0)
	{
		int			v = 0,
					cur = -1;

		while (cn_digit(CP(t, j)) >= 0 && j - i < 4)
		{
			int			x = cn_digit(t->cp[j]);

			if (x == 10)
			{
				v += (cur < 0 ? 1 : cur) * 10;
				cur = -1;
			}
			else
				cur = x;
			j++;
		}
		if (cur >= 0)
			v += cur;
		snprintf(out, 16, "%d", v);
		return j;
	}
	return i;
}

/* length of a building marker at i (号楼 栋 幢 座 #楼 #), 0 when none */
static int
building_marker(const GmAddrText *t, int i)
{
	uint32		c = CP(t, i);

	if (c == 0x53F7 && CP(t, i + 1) == 0x697C)	/* 号楼 */
		return 2;
	if (c == '#' && CP(t, i + 1) == 0x697C)	/* #楼 */
		return 2;
	if (c == 0x680B || c == 0x5E62 || c == 0x5EA7 || c == '#')	/* 栋 幢 座 # */
		return 1;
	return 0;
}

static int
unit_marker(const GmAddrText *t, int i)
{
	if (CP(t, i) == 0x5355 && CP(t, i + 1) == 0x5143)	/* 单元 */
		return 2;
	return 0;
}

static int
room_marker(const GmAddrText *t, int i)
{
	uint32		c = CP(t, i);

	if (c == 0x53F7 && CP(t, i + 1) == 0x623F)	/* 号房 */
		return 2;
	if (c == 0x5BA4 || c == 0x623F)		/* 室 房 */
		return 1;
	return 0;
}

/* street / town (…街道[办事处], …镇, …乡, …苏木) at p: its end, or p */
static int
read_street(const GmAddrText *t, int p)
{
	int			j;

	for (j = p + 1; j < t->n && j < p + 12; j++)
	{
		uint32		c = t->cp[j];
		uint32		nx = CP(t, j + 1);

		if (c < 0x80)
			return p;
		if (c == 0x8857 /* 街 */)
		{
			if (nx == 0x9053 /* 道 */)
			{
				j += 2;
				if (CP(t, j) == 0x529E && CP(t, j + 1) == 0x4E8B && CP(t, j + 2) == 0x5904)	/* 办事处 */
					j += 3;
				return j;
			}
			return p;
		}
		if (c == 0x9547 /* 镇 */ || c == 0x4E61 /* 乡 */)
		{
			if (nx == 0x8DEF || nx == 0x8857 || nx == 0x9053 || nx == 0x5DF7 || nx == 0x5927)
				return p;
			return j + 1;
		}
		if (c == 0x6728 && t->cp[j - 1] == 0x82CF)	/* 苏木 */
			return j + 1;
		if (c == 0x8DEF || c == 0x9053 || c == 0x5DF7 || c == 0x5F04)
			return p;
	}
	return p;
}

/* road and number at p (…路 …街 …道 …巷 …弄 …胡同, [四段], [12号 | 500弄3号]): its end, or p */
static int
read_road(const GmAddrText *t, int p)
{
	int			j,
				end = -1;

	for (j = p + 1; j < t->n && j < p + 20; j++)
	{
		uint32		c = t->cp[j];

		if (c < 0x80)
			return p;
		if (c == 0x8DEF || c == 0x8857 || c == 0x9053 || c == 0x5DF7 || c == 0x5F04)
		{
			end = j + 1;
			break;
		}
		if (c == 0x80E1 && CP(t, j + 1) == 0x540C)	/* 胡同 */
		{
			end = j + 2;
			break;
		}
	}
	if (end < 0)
		return p;
	/* a direction after the road word belongs to the name (中山大道西, 解放路北) */
	if ((CP(t, end) == 0x4E1C || CP(t, end) == 0x897F || CP(t, end) == 0x5357 || CP(t, end) == 0x5317) &&
		(is_digit(CP(t, end + 1)) || cn_digit(CP(t, end + 1)) >= 0 || CP(t, end + 1) == 0x6BB5))
		end++;
	/* 四段 / 4段 */
	{
		char		num[16];
		int			e = read_number(t, end, num, true);

		if (e > end && CP(t, e) == 0x6BB5)
			end = e + 1;
	}
	/* house numbers: 12号, 500弄3号, 8-10号 */
	for (;;)
	{
		char		num[16];
		int			e = read_number(t, end, num, false);

		if (e == end || !is_digit(t->cp[end]))
			break;
		while (CP(t, e) == '-' && is_digit(CP(t, e + 1)))
			e = read_number(t, e + 1, num, false);
		if (CP(t, e) == 0x53F7 && CP(t, e + 1) != 0x697C && CP(t, e + 1) != 0x623F)	/* 号, not 号楼 / 号房 */
			end = e + 1;
		else if (CP(t, e) == 0x5F04)	/* 弄 */
			end = e + 1;
		else
			break;
		if (CP(t, end) == 0x9662)	/* 号院 */
			end++;
	}
	return end;
}

static void
read_building(const GmAddrText *t, int r, GmAddrResult *res)
{
	int			i = r,
				first = -1;

	while (i < t->n)
	{
		char		num[16];
		int			e = read_number(t, i, num, true);
		int			m;

		if (e == i)
		{
			i++;
			continue;
		}
		/* a-b-c / a-b: building-unit-room / building-room */
		if (res->building[0] == '\0' && is_digit(t->cp[i]) && CP(t, e) == '-' && is_digit(CP(t, e + 1)))
		{
			char		n2[16],
						n3[16];
			int			e2 = read_number(t, e + 1, n2, false);

			if (CP(t, e2) == '-' && is_digit(CP(t, e2 + 1)))
			{
				int			e3 = read_number(t, e2 + 1, n3, false);

				strlcpy(res->building, num, 16);
				strlcpy(res->unit, n2, 16);
				strlcpy(res->room, n3, 16);
				if (first < 0)
					first = i;
				i = e3 + room_marker(t, e3);
				continue;
			}
			strlcpy(res->building, num, 16);
			strlcpy(res->room, n2, 16);
			if (first < 0)
				first = i;
			i = e2 + room_marker(t, e2);
			continue;
		}
		if (res->building[0] == '\0' && (m = building_marker(t, e)) > 0)
		{
			strlcpy(res->building, num, 16);
			if (first < 0)
				first = i;
			i = e + m;
			continue;
		}
		if (res->unit[0] == '\0' && (m = unit_marker(t, e)) > 0)
		{
			strlcpy(res->unit, num, 16);
			if (first < 0)
				first = i;
			i = e + m;
			continue;
		}
		if (res->room[0] == '\0' && is_digit(t->cp[i]) && (m = room_marker(t, e)) > 0)
		{
			strlcpy(res->room, num, 16);
			if (first < 0)
				first = i;
			i = e + m;
			continue;
		}
		if (res->room[0] == '\0' && is_digit(t->cp[i]) && (res->building[0] || res->unit[0]) &&
			(e == t->n || CP(t, e) == 0x53F7 /* 号 */))
		{
			strlcpy(res->room, num, 16);
			if (first < 0)
				first = i;
			i = e + (e < t->n ? 1 : 0);
			continue;
		}
		i = e;
	}
	/* the community: what stands before the first building / unit / room */
	{
		int			to = (first >= 0) ? first : t->n;
		int			k;
		bool		word = false;

		for (k = r; k < to; k++)
			if (!is_digit(t->cp[k]) && t->cp[k] != '-' && t->cp[k] != '#')
				word = true;
		if (word && to - r <= GM_ADDR_MAX_PART)
		{
			res->community.from = r;
			res->community.to = to;
		}
	}
}

/* leading noise: 中华人民共和国, 中国, 地址 */
static int
skip_prefix(const GmAddrText *t)
{
	static const uint32 prc[] = {0x4E2D, 0x534E, 0x4EBA, 0x6C11, 0x5171, 0x548C, 0x56FD};
	int			p = 0,
				k;
	bool		again = true;

	while (again)
	{
		again = false;
		for (k = 0; k < 7 && CP(t, p + k) == prc[k]; k++)
			;
		if (k == 7)
		{
			p += 7;
			again = true;
			continue;
		}
		if (CP(t, p) == 0x4E2D && CP(t, p + 1) == 0x56FD)	/* 中国 */
		{
			p += 2;
			again = true;
			continue;
		}
		if (CP(t, p) == 0x5730 && CP(t, p + 1) == 0x5740)	/* 地址 */
		{
			p += 2;
			again = true;
		}
	}
	return p;
}

void
gm_addr_parse(const GmAddrText *t, GmAddrResult *r)
{
	const AddrDict *d = addr_dictionary();
	int			p = skip_prefix(t);
	int			deepest = -1,
				x;
	int			matched = 0;
	bool		town_read = false;

	memset(r, 0, sizeof(*r));
	r->province = r->city = r->district = r->town = -1;

	while (p < t->n && matched < 8)
	{
		int			len = 0;
		bool		amb = false,
					same = false;
		int			hit = match_division(d, t, p, deepest, &len, &amb, &same);

		if (same)
		{
			p += len;			/* the same division written twice */
			continue;
		}
		if (hit < 0)
			break;
		deepest = hit;
		r->ambiguous |= amb;
		matched++;
		p += len;
		if (d->div[hit].level >= 4)
		{
			town_read = true;
			r->street.from = p - len;
			r->street.to = p;
			break;
		}
	}
	/* fill the levels from the deepest division read */
	for (x = deepest; x >= 0; x = d->div[x].parent)
	{
		switch (d->div[x].level)
		{
			case 1:
				r->province = x;
				break;
			case 2:
				r->city = x;
				break;
			case 3:
				r->district = x;
				break;
			case 4:
				r->town = x;
				break;
		}
	}
	r->explicit_levels = matched;

	if (!town_read)
	{
		int			e = read_street(t, p);

		if (e > p)
		{
			r->street.from = p;
			r->street.to = e;
			p = e;
		}
	}
	{
		int			e = read_road(t, p);

		if (e > p)
		{
			r->road.from = p;
			r->road.to = e;
			p = e;
		}
	}
	read_building(t, p, r);

	/* confidence: how much of the address was read, and how surely */
	{
		float4		c = 0;
		bool		rest = (r->street.to > r->street.from || r->road.to > r->road.from ||
							r->community.to > r->community.from);

		if (r->district >= 0)
			c = 0.6f;
		else if (r->city >= 0)
			c = 0.4f;
		else if (r->province >= 0)
			c = 0.2f;
		if (deepest >= 0)
		{
			if (matched > 1)
				c += 0.2f;
			if (!r->ambiguous)
				c += 0.1f;
		}
		if (rest)
			c += 0.1f;
		r->confidence = Min(rintf(c * 10.0f), 10.0f) / 10.0f;
	}
}
