/*
 * grid.h — the in-memory spatial index of the grid registry (grid.c).
 */
#ifndef GM_GRID_H
#define GM_GRID_H

#include "gm.h"

/*
 * Leaf physical grid covering (x, y) (boundary included, smallest grid_id on
 * shared edges), or -1 when none; *srid receives the registry's SRID or -1
 * when no grid has a geometry.  Builds / refreshes the per-backend index.
 */
extern int64 gm_grid_lookup(double x, double y);
extern int32 gm_grid_registry_srid(void);

#endif							/* GM_GRID_H */
