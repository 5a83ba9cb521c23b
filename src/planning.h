/*
 * planning.h — balanced grid design (recursive weighted bisection), see planning.c.
 */
#ifndef GM_PLANNING_H
#define GM_PLANNING_H

#include "gm.h"

extern Datum gm_design_cells(PG_FUNCTION_ARGS);

#endif							/* GM_PLANNING_H */
