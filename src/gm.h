/*
 * gm.h — things every grid_marketing source file shares: PostgreSQL includes,
 * the cache-invalidation watch (cache.c) and small error helpers.
 */
#ifndef GM_H
#define GM_H

#include "postgres.h"
#include "fmgr.h"

/*
 * Configuration caches.  A per-backend cache built from configuration tables
 * (gm.grid, the calendar tables, ...) declares a GmCacheWatch naming those
 * tables.  A statement-level trigger on each table (gm._config_changed) sends a
 * relcache invalidation for it; cache.c's callback marks every watch over that
 * table (or all watches, for a full reset) stale.  PostgreSQL delivers the
 * message to the own backend at the next command and to others at commit, and
 * replays it on rollback, so a cache is never stale after a committed change
 * and never keeps rows of a rolled-back one.
 *
 * Pattern (the one path every cache takes):
 *     static GmCacheWatch watch = {{"grid"}};
 *     if (!gm_cache_valid(&watch)) {
 *         MemoryContext cxt = gm_cache_begin_rebuild(&watch);  -- "building"
 *         ... read the tables, build the cache in cxt (or keep nothing) ...
 *         gm_cache_end_rebuild(&watch);                        -- committed
 *     }
 * gm_cache_begin_rebuild() resolves the tables' oids, empties the watch's own
 * memory context (the previous structure's memory: freed, whatever became of
 * the previous build) and marks the watch valid and *building*.  Marking it
 * valid before the tables are read means that an invalidation arriving while
 * reading marks it stale again.  gm_cache_end_rebuild() commits the build.
 *
 * A build that does not reach gm_cache_end_rebuild() because of an ERROR
 * (query cancel, statement_timeout, out of memory, a row the reader rejects)
 * is never trusted: the transaction or subtransaction abort that follows
 * every ERROR marks each watch still building invalid and empties its
 * context, so the next call rebuilds from scratch and repeated failed builds
 * do not leak.  A caller whose cache lives in the watch's context (see
 * gm_cache_context) needs nothing else; a caller keeping pointers into its own
 * memory must check gm_cache_valid() before using them, as the pattern does.
 * A watch still building when its transaction commits (a caller that never
 * calls gm_cache_end_rebuild) is committed then.
 */
#define GM_WATCH_MAX_RELS 8

typedef struct GmCacheWatch
{
	const char *relnames[GM_WATCH_MAX_RELS];	/* tables in schema gm */
	Oid			relids[GM_WATCH_MAX_RELS];
	bool		valid;
	bool		registered;
	bool		building;		/* between begin_rebuild and end_rebuild */
	SubTransactionId build_subid;	/* (sub)transaction the build started in */
	MemoryContext cxt;			/* the cache's memory, emptied on every rebuild */
	/* built from a statement's snapshot in parallel mode: trusted for that statement only */
	bool		stmt_only;
	uint32		built_lxid;
	int64		built_stmt;
	struct GmCacheWatch *next;
} GmCacheWatch;

extern bool gm_cache_valid_slow(GmCacheWatch *watch);

/*
 * Is the cache behind this watch still valid?  Called per row by the lookups,
 * so the common answer (valid, built outside parallel mode) is inline; a
 * watch is only ever valid once registered.
 */
static inline bool
gm_cache_valid(GmCacheWatch *watch)
{
	if (watch->valid && !watch->stmt_only)
		return true;
	return gm_cache_valid_slow(watch);
}
extern MemoryContext gm_cache_begin_rebuild(GmCacheWatch *watch);
extern void gm_cache_end_rebuild(GmCacheWatch *watch);
extern MemoryContext gm_cache_context(GmCacheWatch *watch);

/*
 * Reading the tables of a rebuild: wrap the (read-only) SPI queries in
 *     bool pushed = gm_cache_read_begin(&watch);
 *     ... SPI_execute(..., true, ...) ...
 *     gm_cache_read_end(pushed);
 * An invalidation can arrive in the middle of a statement (at any lock taken)
 * or of a REPEATABLE READ transaction, after a commit that the statement's
 * snapshot does not see; a cache rebuilt from that snapshot would stay stale
 * for the rest of the session.  So the reads run under the latest snapshot.
 * In parallel mode no new snapshot can be taken: the cache is then built from
 * the active snapshot and trusted for the rest of that statement only.
 */
extern bool gm_cache_read_begin(GmCacheWatch *watch);
extern void gm_cache_read_end(bool pushed);
extern void gm_cache_init(void);

/* settings.c: the grid_marketing.* settings, defined at library load */
extern void gm_settings_init(void);
extern int	gm_batch_size;
extern bool gm_progress_notices;

/* the extension's schema oid (normally gm), looked up once per backend */
extern Oid	gm_schema_oid(void);

#endif							/* GM_H */
