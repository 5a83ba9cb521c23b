/*
 * protection.h — customer data protection (masking, normalisation, validation of
 * Chinese personal identifiers) shared helpers.
 */
#ifndef GM_PROTECTION_H
#define GM_PROTECTION_H

#include "gm.h"

/* Longest input (bytes) the masking / validation functions accept. */
#define GM_PROTECT_MAX_BYTES (4 * 1024 * 1024)

/* One character of an input string, after normalisation. */
typedef struct GmChar
{
	uint32		cp;				/* normalised code point (full-width ASCII folded) */
	int32		off;			/* byte offset of the original character */
	int32		len;			/* byte length of the original character */
} GmChar;

/* Placeholder code point for a multibyte character of a non-UTF8 database. */
#define GM_CP_OTHER 0x110000

#endif							/* GM_PROTECTION_H */
