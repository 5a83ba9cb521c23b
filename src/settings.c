/*
 * settings.c — the library's settings (grid_marketing.* GUCs), the acting
 * person of a transaction, and the run a bulk operation is in.
 *
 * Who acts.  A CRM connection pool logs in as one role for many people.  The
 * application names the person per transaction with gm.set_actor(person),
 * which only roles granted EXECUTE on it may call (the extension revokes it
 * from PUBLIC); the value lives in grid_marketing.actor as a LOCAL setting, so
 * COMMIT or ROLLBACK ends it and a pooled connection never carries it into
 * the next transaction.  Any other way of setting grid_marketing.actor (SET,
 * set_config, ALTER ROLE ... SET, a placeholder set before the library was
 * loaded) is refused with 42501 by the check hook.  The legacy setting gm.actor
 * (read by 0.1.x) is refused the same way, so an old CRM that still sets it
 * learns at once instead of acting under the login silently.  Without an
 * actor, everybody acts as their own login (session_user).
 *
 * Runs.  A bulk operation (gm.reassign, gm.plan_followups, ...) registers a
 * row in gm.run and enters it with gm._run_enter(run_id); gm.current_run()
 * then gives that id for the rest of the transaction, so the assignment
 * history trigger can label the rows it writes.  The context is keyed by the
 * local transaction id and needs no clean-up at commit.
 */
#include "gm.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"


/* the settings */
static char *gm_actor_setting = NULL;
static char *gm_legacy_actor = NULL;
int			gm_batch_size = 10000;
bool		gm_progress_notices = true;

/* set only while gm.set_actor() itself assigns the setting */
static bool actor_assigning = false;

/* the run the current transaction works for */
static int64 run_id = 0;
static LocalTransactionId run_lxid = InvalidLocalTransactionId;

static bool
check_actor(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;			/* RESET, SET ... TO DEFAULT: act as the login */
	if (actor_assigning || source == PGC_S_DEFAULT || InitializingParallelWorker)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("the acting person can only be set with gm.set_actor()");
	GUC_check_errhint("Call SELECT gm.set_actor('person') inside the transaction; EXECUTE on it is granted by the DBA (for example to role gm_app).");
	return false;
}

static bool
check_legacy_actor(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0' || source == PGC_S_DEFAULT)
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("gm.actor is no longer read: the acting person can only be set with gm.set_actor()");
	GUC_check_errhint("Call SELECT gm.set_actor('person') inside the transaction; EXECUTE on it is granted by the DBA.");
	return false;
}

void
gm_settings_init(void)
{
	DefineCustomStringVariable("grid_marketing.actor",
							   "The person acting in this transaction (set by gm.set_actor only).",
							   "Empty: everybody acts as their own login. Work orders, work logs, "
							   "assignment changes and runs record this person.",
							   &gm_actor_setting, "",
							   PGC_USERSET, GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   check_actor, NULL, NULL);
	DefineCustomStringVariable("gm.actor",
							   "Refused: replaced by gm.set_actor() in 0.2.0.",
							   NULL,
							   &gm_legacy_actor, "",
							   PGC_USERSET, GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_NO_SHOW_ALL,
							   check_legacy_actor, NULL, NULL);
	DefineCustomIntVariable("grid_marketing.batch_size",
							"Rows per committed batch of bulk operations when the call gives none.",
							"Used by gm.reassign when batch_size is NULL.",
							&gm_batch_size, 10000, 1, 10000000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("grid_marketing.progress_notices",
							 "Whether bulk operations report each committed batch with a NOTICE.",
							 "Progress is also in gm.run, readable from any session.",
							 &gm_progress_notices, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	MarkGUCPrefixReserved("grid_marketing");
	MarkGUCPrefixReserved("gm");
}

/* gm.set_actor(person name): the acting person until the end of the transaction */
PG_FUNCTION_INFO_V1(gm_set_actor);
Datum
gm_set_actor(PG_FUNCTION_ARGS)
{
	char	   *person = NameStr(*PG_GETARG_NAME(0));

	if (person[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_ZERO_LENGTH_CHARACTER_STRING),
				 errmsg("the acting person must not be empty"),
				 errhint("Name the person, or leave gm.set_actor uncalled to act as the session user.")));
	if (IsInParallelMode())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("gm.set_actor cannot run in a parallel operation")));
	actor_assigning = true;
	PG_TRY();
	{
		(void) set_config_option("grid_marketing.actor", person,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
	}
	PG_FINALLY();
	{
		actor_assigning = false;
	}
	PG_END_TRY();
	PG_RETURN_NAME(PG_GETARG_NAME(0));
}

/* gm.actor(): the person set for this transaction, else the login */
PG_FUNCTION_INFO_V1(gm_actor);
Datum
gm_actor(PG_FUNCTION_ARGS)
{
	Name		result = (Name) palloc0(NAMEDATALEN);

	if (gm_actor_setting != NULL && gm_actor_setting[0] != '\0')
		namestrcpy(result, gm_actor_setting);
	else
		namestrcpy(result, GetUserNameFromId(GetSessionUserId(), false));
	PG_RETURN_NAME(result);
}

/* gm._run_enter(run_id bigint): label the rest of this transaction's work with the run */
PG_FUNCTION_INFO_V1(gm_run_enter);
Datum
gm_run_enter(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
	{
		run_lxid = InvalidLocalTransactionId;
		PG_RETURN_VOID();
	}
	run_id = PG_GETARG_INT64(0);
	run_lxid = GM_MY_LXID;
	PG_RETURN_VOID();
}

/* gm.current_run(): the run this transaction works for, NULL when none */
PG_FUNCTION_INFO_V1(gm_current_run);
Datum
gm_current_run(PG_FUNCTION_ARGS)
{
	if (run_lxid == InvalidLocalTransactionId || run_lxid != GM_MY_LXID)
		PG_RETURN_NULL();
	PG_RETURN_INT64(run_id);
}

/* gm.batch_size(requested integer): the requested size, else grid_marketing.batch_size */
PG_FUNCTION_INFO_V1(gm_batch_size_fn);
Datum
gm_batch_size_fn(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_INT32(gm_batch_size);
	PG_RETURN_INT32(PG_GETARG_INT32(0));
}

/* gm._in_extension_script(): true while CREATE / ALTER EXTENSION runs our script */
PG_FUNCTION_INFO_V1(gm_in_extension_script);
Datum
gm_in_extension_script(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(creating_extension);
}
