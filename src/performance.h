/*
 * performance.h — performance management (issue 19): the exact top-down split
 * of a target over a tree of levels (company -> regions -> grids -> people).
 */
#ifndef GM_PERFORMANCE_H
#define GM_PERFORMANCE_H

#include "gm.h"

/* the largest number of decimals gm._split_tree accepts (yuan to the fen is 2) */
#define GM_SPLIT_MAX_DECIMALS	10

#endif							/* GM_PERFORMANCE_H */
