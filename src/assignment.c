/*
 * assignment.c — assignment at write time: the row trigger that gm.track_assignment
 * puts on a customer table, so every inserted or moved customer lands on the grid
 * of its geometry (gm.assign_grid) without a second statement.
 *
 *     gm._assign_on_write(geom_column, grid_column)   BEFORE INSERT OR UPDATE, FOR EACH ROW
 *
 * A row whose geometry is NULL keeps the grid the writer gave it (a customer placed by
 * logical rules or by hand); a row with a geometry gets gm.assign_grid(geometry),
 * NULL when no grid covers it.  The history of the grid column is written by the
 * statement triggers of the same helper (gm._assignment_history, SQL).
 */
#include "gm.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

extern Datum gm_assign_grid(PG_FUNCTION_ARGS);

static int
column_number(Relation rel, const char *name, const char *what)
{
	int			attnum = SPI_fnumber(RelationGetDescr(rel), name);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("gm._assign_on_write: table \"%s\" has no %s column \"%s\"",
						RelationGetRelationName(rel), what, name)));
	return attnum;
}

PG_FUNCTION_INFO_V1(gm_assign_on_write);
Datum
gm_assign_on_write(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	int			geom_att,
				grid_att;
	bool		isnull;
	Datum		geom;
	Datum		grid = (Datum) 0;
	bool		grid_null = true;
	Oid			grid_type;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gm._assign_on_write must be called as a trigger")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gm._assign_on_write must be a BEFORE INSERT OR UPDATE row trigger")));
	if (td->tg_trigger->tgnargs != 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gm._assign_on_write takes two arguments (geometry column, grid column), got %d",
						td->tg_trigger->tgnargs)));

	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	geom_att = column_number(rel, td->tg_trigger->tgargs[0], "geometry");
	grid_att = column_number(rel, td->tg_trigger->tgargs[1], "grid");
	grid_type = TupleDescAttr(desc, grid_att - 1)->atttypid;
	if (grid_type != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("gm._assign_on_write: grid column \"%s\" of table \"%s\" has type %s, expected bigint",
						td->tg_trigger->tgargs[1], RelationGetRelationName(rel), format_type_be(grid_type))));

	geom = heap_getattr(tuple, geom_att, desc, &isnull);
	if (isnull)
		return PointerGetDatum(tuple);	/* no location: the writer's grid stands */

	{
		LOCAL_FCINFO(call, 1);

		InitFunctionCallInfoData(*call, NULL, 1, InvalidOid, NULL, NULL);
		call->args[0].value = geom;
		call->args[0].isnull = false;
		grid = gm_assign_grid(call);
		grid_null = call->isnull;
	}

	{
		int			cols[1] = {grid_att};
		Datum		vals[1] = {grid};
		bool		nulls[1] = {grid_null};

		return PointerGetDatum(heap_modify_tuple_by_cols(tuple, desc, 1, cols, vals, nulls));
	}
}
