/*
 * protection.c — customer data protection (数据安全): masking of phones, ID card
 * numbers, bank cards, names and addresses; normalisation of mainland phone
 * numbers; validation of resident ID numbers (GB 11643-1999) and unified
 * social credit codes (GB 32100-2015); the outer role used by gm.my_grids().
 *
 * Every text function works on characters, not bytes: the input is decoded
 * once into an array of GmChar (code point + position of the original bytes).
 * Full-width ASCII (U+FF01..U+FF5E, e.g. the digits ０-９) is folded to ASCII and
 * the ideographic space U+3000 to a space before any rule is applied, so
 * '１３８１２３４５６７８' is a phone number like '13812345678'.  The rules are
 * documented in doc/protection.md; each masking function has a documented
 * result for input that does not look like the thing it masks and never
 * returns a non-empty input unmasked.
 */
#include "protection.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"

/* ------------------------------------------------------------------ decoding */

static GmChar *
gm_decode(text *t, int *nchars, const char **data, const char *fname)
{
	const char *s = VARDATA_ANY(t);
	int			nbytes = VARSIZE_ANY_EXHDR(t);
	bool		utf8 = (GetDatabaseEncoding() == PG_UTF8);
	GmChar	   *cs;
	int			i = 0;
	int			n = 0;

	if (nbytes > GM_PROTECT_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("input of %d bytes is too long for %s()", nbytes, fname),
				 errdetail("At most %d bytes are accepted.", GM_PROTECT_MAX_BYTES)));

	cs = (GmChar *) palloc(sizeof(GmChar) * (nbytes + 1));
	while (i < nbytes)
	{
		const unsigned char *p = (const unsigned char *) s + i;
		int			len;
		uint32		cp;

		/* inputs of up to GM_PROTECT_MAX_BYTES: cancellable every 64k characters */
		if ((n & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		if (*p < 0x80)
		{
			len = 1;
			cp = *p;
		}
		else if (utf8)
		{
			len = pg_utf_mblen(p);
			/* the server validated the text; this guards against corrupt data */
			if (len > nbytes - i || !pg_utf8_islegal(p, len))
				ereport(ERROR,
						(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
						 errmsg("invalid UTF-8 byte sequence at byte %d of the input of %s()", i + 1, fname)));
			cp = utf8_to_unicode(p);
		}
		else
		{
			len = pg_mblen((const char *) p);
			if (len < 1 || len > nbytes - i)
				ereport(ERROR,
						(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
						 errmsg("invalid byte sequence at byte %d of the input of %s()", i + 1, fname)));
			cp = (len == 1) ? *p : GM_CP_OTHER;
		}
		/* full-width ASCII and the ideographic space */
		if (cp >= 0xFF01 && cp <= 0xFF5E)
			cp -= 0xFEE0;
		else if (cp == 0x3000)
			cp = ' ';
		cs[n].cp = cp;
		cs[n].off = i;
		cs[n].len = len;
		n++;
		i += len;
	}
	*nchars = n;
	*data = s;
	return cs;
}

static inline bool
gm_is_digit(uint32 cp)
{
	return cp >= '0' && cp <= '9';
}

static inline bool
gm_is_space(uint32 cp)
{
	return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x2007 || cp == 0x202F;
}

static inline bool
gm_is_dash(uint32 cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30FC;
}

static inline bool
gm_is_ascii_alpha(uint32 cp)
{
	return (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
}

/* append one character: folded ASCII as ASCII, anything else as its original bytes */
static inline void
gm_emit(StringInfo buf, const char *data, const GmChar *c)
{
	if (c->cp < 0x80)
		appendStringInfoChar(buf, (char) c->cp);
	else
		appendBinaryStringInfo(buf, data + c->off, c->len);
}

static inline void
gm_stars(StringInfo buf, int n)
{
	while (n-- > 0)
		appendStringInfoChar(buf, '*');
}

/* drop surrounding white space: sets *first and *last (exclusive) */
static void
gm_trim(const GmChar *cs, int n, int *first, int *last)
{
	int			a = 0,
				b = n;

	while (a < b && gm_is_space(cs[a].cp))
		a++;
	while (b > a && gm_is_space(cs[b - 1].cp))
		b--;
	*first = a;
	*last = b;
}

static text *
gm_finish(StringInfo buf)
{
	text	   *res = cstring_to_text_with_len(buf->data, buf->len);

	pfree(buf->data);
	return res;
}

/* ------------------------------------------------------------------ phones */

/*
 * The 11 digits of a mainland mobile number, or false.  Accepted: digits
 * (full-width too), white space, dashes, dots and parentheses as separators;
 * one '+' before the first digit, which must then be followed by 86; prefixes
 * +86, 0086 and 86 (the latter only when 13 digits remain); then exactly 11
 * digits 1[3-9]xxxxxxxxx.
 */
static bool
gm_mobile_digits(const GmChar *cs, int n, char out[12])
{
	char		d[24];
	int			nd = 0;
	bool		plus = false;
	int			i;
	const char *p;

	for (i = 0; i < n; i++)
	{
		uint32		cp = cs[i].cp;

		if (gm_is_digit(cp))
		{
			if (nd >= (int) sizeof(d) - 1)
				return false;
			d[nd++] = (char) cp;
		}
		else if (cp == '+')
		{
			if (plus || nd > 0)
				return false;
			plus = true;
		}
		else if (!(gm_is_space(cp) || gm_is_dash(cp) || cp == '.' || cp == '(' || cp == ')'))
			return false;
	}
	d[nd] = '\0';
	p = d;
	if (plus)
	{
		if (nd < 2 || d[0] != '8' || d[1] != '6')
			return false;
		p += 2;
	}
	else if (nd == 15 && strncmp(d, "0086", 4) == 0)
		p += 4;
	else if (nd == 13 && d[0] == '8' && d[1] == '6')
		p += 2;
	if (strlen(p) != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9')
		return false;
	memcpy(out, p, 12);
	return true;
}

PG_FUNCTION_INFO_V1(gm_normalize_phone);
Datum
gm_normalize_phone(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "normalize_phone");
	char		d[12];

	if (!gm_mobile_digits(cs, n, d))
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text_with_len(d, 11));
}

PG_FUNCTION_INFO_V1(gm_mask_phone);
Datum
gm_mask_phone(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "mask_phone");
	char		d[12];
	StringInfoData buf;
	int			ndig = 0;
	int			i;
	int			seen;

	initStringInfo(&buf);
	if (gm_mobile_digits(cs, n, d))
	{
		appendBinaryStringInfo(&buf, d, 3);
		appendStringInfoString(&buf, "****");
		appendBinaryStringInfo(&buf, d + 7, 4);
		PG_RETURN_TEXT_P(gm_finish(&buf));
	}
	for (i = 0; i < n; i++)
		if (gm_is_digit(cs[i].cp))
			ndig++;
	if (ndig >= 7)
	{
		/* other numbers: every digit but the last four becomes '*' */
		gm_stars(&buf, ndig - 4);
		seen = 0;
		for (i = 0; i < n; i++)
			if (gm_is_digit(cs[i].cp) && ++seen > ndig - 4)
				appendStringInfoChar(&buf, (char) cs[i].cp);
	}
	else if (n > 0)
		appendStringInfoString(&buf, "****");
	PG_RETURN_TEXT_P(gm_finish(&buf));
}

/* ------------------------------------------------------------------ identifiers */

/*
 * Generic rule: keep the first `pre` and last `suf` characters of the string
 * with white space removed, mask the others one '*' per character; at least
 * a third of the characters (rounded up) is always masked (the prefix keeps
 * priority over the suffix when the request asks for more); strings shorter
 * than 8 characters are masked entirely.
 */
static text *
gm_mask_keep(const GmChar *cs, int n, const char *data, int pre, int suf)
{
	StringInfoData buf;
	int		   *idx = (int *) palloc(sizeof(int) * (n + 1));
	int			m = 0;
	int			i;
	int			maxkeep;

	for (i = 0; i < n; i++)
		if (!gm_is_space(cs[i].cp))
			idx[m++] = i;
	initStringInfo(&buf);
	if (m < 8)
	{
		gm_stars(&buf, m);
		return gm_finish(&buf);
	}
	maxkeep = m - (m + 2) / 3;
	if (pre > maxkeep)
		pre = maxkeep;
	if (suf > maxkeep - pre)
		suf = maxkeep - pre;
	for (i = 0; i < m; i++)
	{
		if (i < pre || i >= m - suf)
			gm_emit(&buf, data, &cs[idx[i]]);
		else
			appendStringInfoChar(&buf, '*');
	}
	pfree(idx);
	return gm_finish(&buf);
}

PG_FUNCTION_INFO_V1(gm_mask_id);
Datum
gm_mask_id(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	int			pre = 6;
	int			suf = 4;
	const char *data;
	int			n;
	GmChar	   *cs;

	if (PG_NARGS() >= 3)
	{
		pre = PG_GETARG_INT32(1);
		suf = PG_GETARG_INT32(2);
		if (pre < 0 || suf < 0)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("keep_prefix and keep_suffix must not be negative: %d, %d", pre, suf)));
	}
	cs = gm_decode(t, &n, &data, "mask_id");
	PG_RETURN_TEXT_P(gm_mask_keep(cs, n, data, pre, suf));
}

PG_FUNCTION_INFO_V1(gm_mask_bank_card);
Datum
gm_mask_bank_card(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "mask_bank_card");
	char	   *d = (char *) palloc(20);
	int			nd = 0;
	int			i;
	bool		card = true;
	StringInfoData buf;

	for (i = 0; i < n && card; i++)
	{
		uint32		cp = cs[i].cp;

		if (gm_is_digit(cp))
		{
			if (nd >= 19)
				card = false;
			else
				d[nd++] = (char) cp;
		}
		else if (!(gm_is_space(cp) || gm_is_dash(cp)))
			card = false;
	}
	initStringInfo(&buf);
	if (card && nd >= 12)
	{
		appendBinaryStringInfo(&buf, d, 6);
		gm_stars(&buf, nd - 10);
		appendBinaryStringInfo(&buf, d + nd - 4, 4);
	}
	else if (n > 0)
		appendStringInfoString(&buf, "****");
	PG_RETURN_TEXT_P(gm_finish(&buf));
}

/* ------------------------------------------------------------------ names */

/* compound surnames (复姓) kept whole by gm.mask_name; documented in doc/protection.md */
static const char *const gm_compound_surnames[] = {
	"欧阳", "太史", "端木", "上官", "司马", "东方", "独孤", "南宫", "万俟", "闻人",
	"夏侯", "诸葛", "尉迟", "公羊", "赫连", "澹台", "皇甫", "宗政", "濮阳", "公冶",
	"太叔", "申屠", "公孙", "慕容", "仲孙", "钟离", "长孙", "宇文", "司徒", "鲜于",
	"司空", "闾丘", "子车", "亓官", "司寇", "巫马", "公西", "颛孙", "壤驷", "公良",
	"漆雕", "乐正", "宰父", "谷梁", "拓跋", "夹谷", "轩辕", "令狐", "段干", "百里",
	"呼延", "东郭", "南门", "羊舌", "微生", "公户", "公玉", "公仪", "梁丘", "公仲",
	"公上", "公门", "公山", "公坚", "左丘", "公伯", "西门", "公祖", "第五", "公乘",
	"贯丘", "公皙", "南荣", "东里", "东宫", "仲长", "子书", "子桑", "即墨", "达奚",
	"褚师", "歐陽", "司馬", "諸葛", "上官", "東方", "獨孤", "南宮", "夏侯", "尉遲",
	"皇甫", "公孫", "長孫", "宇文", "司徒", "鮮於", "軒轅", "令狐", "呼延", "西門",
};

static bool
gm_is_compound_surname(uint32 a, uint32 b)
{
	int			i;

	for (i = 0; i < (int) lengthof(gm_compound_surnames); i++)
	{
		const unsigned char *s = (const unsigned char *) gm_compound_surnames[i];

		if (utf8_to_unicode(s) == a && utf8_to_unicode(s + pg_utf_mblen(s)) == b)
			return true;
	}
	return false;
}

/* characters that separate parts of a name and are kept as they are */
static inline bool
gm_is_name_sep(uint32 cp)
{
	return gm_is_space(cp) || cp == '.' || cp == '-' || cp == '\'' || cp == 0x00B7 ||
		cp == 0x2022 || cp == 0x30FB || cp == 0xFF65 || cp == 0x2027;
}

PG_FUNCTION_INFO_V1(gm_mask_name);
Datum
gm_mask_name(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "mask_name");
	int			a,
				b,
				i;
	bool	   *keep;
	int			letters = 0,
				masked = 0;
	StringInfoData buf;

	gm_trim(cs, n, &a, &b);
	initStringInfo(&buf);
	if (a >= b)
		PG_RETURN_TEXT_P(gm_finish(&buf));
	keep = (bool *) palloc0(sizeof(bool) * (b - a));

	if (gm_is_ascii_alpha(cs[a].cp))
	{
		/* Latin script: every word keeps its first letter */
		bool		word_start = true;

		for (i = a; i < b; i++)
		{
			if (gm_is_name_sep(cs[i].cp))
			{
				keep[i - a] = true;
				word_start = true;
				continue;
			}
			letters++;
			keep[i - a] = word_start;
			if (!word_start)
				masked++;
			word_start = false;
		}
	}
	else
	{
		/* Chinese and others: the surname (one character, or two for a listed compound) */
		int			sl = 1;

		if (b - a > 2 && gm_is_compound_surname(cs[a].cp, cs[a + 1].cp))
			sl = 2;
		for (i = a; i < b; i++)
		{
			if (i - a < sl)
			{
				keep[i - a] = true;
				letters++;
			}
			else if (gm_is_name_sep(cs[i].cp))
				keep[i - a] = true;
			else
			{
				letters++;
				masked++;
			}
		}
	}
	/* never the whole name: if nothing got masked, keep only the first letter */
	if (masked == 0)
	{
		bool		first = (letters > 1);

		for (i = a; i < b; i++)
		{
			if (gm_is_name_sep(cs[i].cp) && i > a)
				continue;
			keep[i - a] = first;
			first = false;
		}
	}
	for (i = a; i < b; i++)
	{
		if (keep[i - a])
			gm_emit(&buf, data, &cs[i]);
		else
			appendStringInfoChar(&buf, '*');
	}
	PG_RETURN_TEXT_P(gm_finish(&buf));
}

/* ------------------------------------------------------------------ addresses */

static inline bool
gm_is_han(uint32 cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

#define CP_SHENG	0x7701		/* 省 */
#define CP_SHI		0x5E02		/* 市 */
#define CP_QU		0x533A		/* 区 */
#define CP_XIAN		0x53BF		/* 县 */
#define CP_MENG		0x76DF		/* 盟 */
#define CP_QI		0x65D7		/* 旗 */
#define CP_ZHOU		0x5DDE		/* 州 */
#define CP_ZI		0x81EA		/* 自 */
#define CP_ZHI		0x6CBB		/* 治 */
#define CP_DI		0x5730		/* 地 */

/*
 * Rank of the administrative unit ending at cs[j] (segment starting at
 * `start`), given the rank of the previous segment (0 for none), or 0 when
 * cs[j] does not end a unit of a lower level:
 *   1 province level: 省, 自治区, a first-level 市 (直辖市);
 *   2 prefecture level: 市, 自治州, 盟, 地区;
 *   3 county level: 区, 县, 旗, a 市 after a prefecture;
 * or -1 for a 区 that names a place, not a unit (小区, 园区, ...): stop there.
 */
static int
gm_admin_rank(const GmChar *cs, int start, int j, int prev)
{
	uint32		c = cs[j].cp;
	uint32		c1 = (j - 1 >= start) ? cs[j - 1].cp : 0;
	uint32		c2 = (j - 2 >= start) ? cs[j - 2].cp : 0;
	bool		autonomous = (c1 == CP_ZHI && c2 == CP_ZI);
	int			r = 0;

	if (j - start < 1)
		return 0;				/* a unit has a name before its suffix */
	/* 小区, 社区, 园区, 校区, 景区, 厂区, 营区, 街区, 片区, 工业区...: not administrative */
	if (c == CP_QU && (c1 == 0x5C0F || c1 == 0x793E || c1 == 0x56ED || c1 == 0x6821 ||
					   c1 == 0x666F || c1 == 0x5382 || c1 == 0x8425 || c1 == 0x8857 ||
					   c1 == 0x7247 || c1 == 0x4E1A))
		return -1;
	if (c == CP_SHENG)
		r = 1;
	else if (c == CP_QU && autonomous)
		r = 1;
	else if (c == CP_QU && c1 == CP_DI)
		r = 2;
	else if (c == CP_ZHOU && autonomous)
		r = 2;
	else if (c == CP_MENG)
		r = 2;
	else if (c == CP_SHI)
		r = (prev == 0) ? 1 : (prev == 1 ? 2 : 3);
	else if (c == CP_QU || c == CP_XIAN || c == CP_QI)
		r = 3;
	return (r > prev) ? r : 0;
}

PG_FUNCTION_INFO_V1(gm_mask_address);
Datum
gm_mask_address(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "mask_address");
	int			a,
				b,
				pos,
				prev = 0,
				i;
	StringInfoData buf;

	gm_trim(cs, n, &a, &b);
	initStringInfo(&buf);
	if (a >= b)
		PG_RETURN_TEXT_P(gm_finish(&buf));
	pos = a;
	while (prev < 3 && pos < b)
	{
		int			j;
		int			end = -1;
		int			rank = 0;

		/* the shortest run of Han characters from pos ending in a unit of a lower level */
		for (j = pos; j < b && j - pos < 16 && gm_is_han(cs[j].cp); j++)
		{
			rank = gm_admin_rank(cs, pos, j, prev);
			if (rank < 0)
				break;
			if (rank > 0)
			{
				end = j;
				break;
			}
		}
		if (end < 0)
			break;
		prev = rank;
		pos = end + 1;
	}
	for (i = a; i < pos; i++)
		gm_emit(&buf, data, &cs[i]);
	appendStringInfoString(&buf, "****");
	PG_RETURN_TEXT_P(gm_finish(&buf));
}

/* ------------------------------------------------------------------ validation */

/* GB/T 2260 province-level codes (first two digits of a resident ID number) */
static bool
gm_valid_province(int p)
{
	static const int codes[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
		41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83};
	int			i;

	for (i = 0; i < (int) lengthof(codes); i++)
		if (codes[i] == p)
			return true;
	return false;
}

static bool
gm_valid_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int			max;

	if (y < 1800 || y > 2099 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

/* the trimmed, folded characters as ASCII (upper case), or false when not ASCII / too long */
static bool
gm_ascii_token(const GmChar *cs, int n, char *out, int maxlen, int *len)
{
	int			a,
				b,
				i;

	gm_trim(cs, n, &a, &b);
	if (b - a > maxlen)
		return false;
	for (i = a; i < b; i++)
	{
		uint32		cp = cs[i].cp;

		if (cp >= 0x80 || cp < 0x20)
			return false;
		if (cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		out[i - a] = (char) cp;
	}
	out[b - a] = '\0';
	*len = b - a;
	return true;
}

PG_FUNCTION_INFO_V1(gm_valid_cn_id);
Datum
gm_valid_cn_id(PG_FUNCTION_ARGS)
{
	static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
	static const char check[] = "10X98765432";
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "valid_cn_id");
	char		s[19];
	int			len,
				i,
				sum = 0;

	if (!gm_ascii_token(cs, n, s, 18, &len) || len != 18)
		PG_RETURN_BOOL(false);
	for (i = 0; i < 17; i++)
	{
		if (!gm_is_digit((unsigned char) s[i]))
			PG_RETURN_BOOL(false);
		sum += (s[i] - '0') * w[i];
	}
	if (!gm_valid_province((s[0] - '0') * 10 + (s[1] - '0')))
		PG_RETURN_BOOL(false);
	if (!gm_valid_date((s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0'),
					   (s[10] - '0') * 10 + (s[11] - '0'),
					   (s[12] - '0') * 10 + (s[13] - '0')))
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(s[17] == check[sum % 11]);
}

PG_FUNCTION_INFO_V1(gm_valid_uscc);
Datum
gm_valid_uscc(PG_FUNCTION_ARGS)
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
	static const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
	text	   *t = PG_GETARG_TEXT_PP(0);
	const char *data;
	int			n;
	GmChar	   *cs = gm_decode(t, &n, &data, "valid_uscc");
	char		s[19];
	int			v[18];
	int			len,
				i,
				sum = 0,
				c;

	if (!gm_ascii_token(cs, n, s, 18, &len) || len != 18)
		PG_RETURN_BOOL(false);
	for (i = 0; i < 18; i++)
	{
		const char *p = (s[i] != '\0') ? strchr(alphabet, s[i]) : NULL;

		if (p == NULL)
			PG_RETURN_BOOL(false);
		v[i] = (int) (p - alphabet);
		/* characters 3 to 8: administrative division code, digits only */
		if (i >= 2 && i <= 7 && v[i] > 9)
			PG_RETURN_BOOL(false);
	}
	for (i = 0; i < 17; i++)
		sum += v[i] * w[i];
	c = 31 - sum % 31;
	if (c == 31)
		c = 0;
	PG_RETURN_BOOL(v[17] == c);
}

/* ------------------------------------------------------------------ access */

/*
 * The role in effect outside any SECURITY DEFINER function: the login role or
 * the one chosen by SET ROLE.  gm.my_grids() is SECURITY DEFINER (it reads
 * gm.grid_member for everybody), so inside it current_user is the owner.
 */
PG_FUNCTION_INFO_V1(gm_outer_role);
Datum
gm_outer_role(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}
