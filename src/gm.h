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
 * Pattern:
 *     static GmCacheWatch watch = {{"grid"}};
 *     if (!gm_cache_valid(&watch)) {
 *         gm_cache_begin_rebuild(&watch);   -- resolves oids, marks valid
 *         ... read the tables, build the cache ...
 *     }
 * gm_cache_begin_rebuild() marks the watch valid *before* the tables are read,
 * so an invalidation that arrives while reading marks it stale again.
 */
#define GM_WATCH_MAX_RELS 6

typedef struct GmCacheWatch
{
	const char *relnames[GM_WATCH_MAX_RELS];	/* tables in schema gm */
	Oid			relids[GM_WATCH_MAX_RELS];
	bool		valid;
	bool		registered;
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
extern void gm_cache_begin_rebuild(GmCacheWatch *watch);

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
