/*
 * cache.c — invalidation of per-backend configuration caches (see gm.h).
 */
#include "gm.h"

#include "catalog/namespace.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

static GmCacheWatch *watches = NULL;
static Oid	cached_schema = InvalidOid;

static void
gm_relcache_callback(Datum arg, Oid relid)
{
	GmCacheWatch *w;

	if (relid == InvalidOid)
		cached_schema = InvalidOid;
	for (w = watches; w != NULL; w = w->next)
	{
		int			i;

		if (relid == InvalidOid)
		{
			w->valid = false;
			continue;
		}
		for (i = 0; i < GM_WATCH_MAX_RELS && w->relnames[i] != NULL; i++)
			if (w->relids[i] == relid)
				w->valid = false;
	}
}

/*
 * A build that an ERROR interrupted (gm.h): the abort of the transaction, or
 * of the subtransaction the build started in (or of one around it), marks
 * the watch invalid and frees what the build had allocated.  Subtransactions
 * that the build itself starts and rolls back (SPI, PL/pgSQL exception
 * blocks) are nested deeper than the build and leave it alone.
 */
static void
gm_abandon_build(GmCacheWatch *w)
{
	w->building = false;
	w->valid = false;
	if (w->cxt != NULL)
		MemoryContextReset(w->cxt);
}

static void
gm_xact_callback(XactEvent event, void *arg)
{
	GmCacheWatch *w;

	for (w = watches; w != NULL; w = w->next)
	{
		if (!w->building)
			continue;
		switch (event)
		{
			case XACT_EVENT_ABORT:
			case XACT_EVENT_PARALLEL_ABORT:
				gm_abandon_build(w);
				break;
			case XACT_EVENT_COMMIT:
			case XACT_EVENT_PARALLEL_COMMIT:
			case XACT_EVENT_PREPARE:
				w->building = false;	/* a caller that never called end_rebuild */
				break;
			default:
				break;
		}
	}
}

static void
gm_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					SubTransactionId parentSubid, void *arg)
{
	GmCacheWatch *w;

	for (w = watches; w != NULL; w = w->next)
	{
		if (!w->building)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB && w->build_subid >= mySubid)
			gm_abandon_build(w);
		else if (event == SUBXACT_EVENT_COMMIT_SUB && w->build_subid == mySubid)
			w->build_subid = parentSubid;
	}
}

void
gm_cache_init(void)
{
	CacheRegisterRelcacheCallback(gm_relcache_callback, (Datum) 0);
	RegisterXactCallback(gm_xact_callback, NULL);
	RegisterSubXactCallback(gm_subxact_callback, NULL);
}

Oid
gm_schema_oid(void)
{
	if (!OidIsValid(cached_schema))
	{
		/*
		 * The control file pins the schema (relocatable = false, schema = gm)
		 * and this module's functions live in it: the schema stands for the
		 * extension, without a scan of pg_extension in every new session.
		 */
		cached_schema = get_namespace_oid("gm", true);
		if (!OidIsValid(cached_schema))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("extension \"grid_marketing\" is not installed in this database")));
	}
	return cached_schema;
}

bool
gm_cache_valid_slow(GmCacheWatch *watch)
{
	if (!watch->registered)
	{
		watch->next = watches;
		watches = watch;
		watch->registered = true;
		watch->valid = false;
	}
	if (watch->valid && watch->stmt_only &&
		(GM_MY_LXID != watch->built_lxid ||
		 GetCurrentStatementStartTimestamp() != watch->built_stmt))
		watch->valid = false;
	return watch->valid;
}

bool
gm_cache_read_begin(GmCacheWatch *watch)
{
	if (IsInParallelMode())
	{
		watch->stmt_only = true;
		watch->built_lxid = GM_MY_LXID;
		watch->built_stmt = GetCurrentStatementStartTimestamp();
		return false;
	}
	watch->stmt_only = false;
	PushActiveSnapshot(GetLatestSnapshot());
	return true;
}

void
gm_cache_read_end(bool pushed)
{
	if (pushed)
		PopActiveSnapshot();
}

/* the watch's own memory context, created on first use under CacheMemoryContext */
MemoryContext
gm_cache_context(GmCacheWatch *watch)
{
	if (watch->cxt == NULL)
	{
		watch->cxt = AllocSetContextCreate(CacheMemoryContext, "gm cache",
										   ALLOCSET_START_SMALL_SIZES);
		MemoryContextSetIdentifier(watch->cxt, watch->relnames[0]);
	}
	return watch->cxt;
}

MemoryContext
gm_cache_begin_rebuild(GmCacheWatch *watch)
{
	Oid			nsp;
	int			i;

	(void) gm_cache_valid_slow(watch);	/* registers it */
	/* whatever happens below, the previous cache is gone */
	watch->valid = false;
	watch->building = true;
	watch->build_subid = GetCurrentSubTransactionId();
	if (watch->cxt != NULL)
		MemoryContextReset(watch->cxt);
	nsp = gm_schema_oid();
	for (i = 0; i < GM_WATCH_MAX_RELS && watch->relnames[i] != NULL; i++)
	{
		watch->relids[i] = get_relname_relid(watch->relnames[i], nsp);
		if (!OidIsValid(watch->relids[i]))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_TABLE),
					 errmsg("configuration table gm.%s does not exist", watch->relnames[i])));
	}
	/* valid from here, so that an invalidation during the reads marks it stale */
	watch->valid = true;
	return gm_cache_context(watch);
}

/* the build finished: from now on the cache is trusted while the watch is valid */
void
gm_cache_end_rebuild(GmCacheWatch *watch)
{
	watch->building = false;
}

/*
 * gm._config_changed(): statement-level trigger on every configuration table.
 * Queues a relcache invalidation of the table so that every backend's caches
 * built from it are rebuilt (own backend: next command; others: at commit).
 */
PG_FUNCTION_INFO_V1(gm_config_changed);
Datum
gm_config_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("gm._config_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
