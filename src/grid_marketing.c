/*
 * grid_marketing.c — module entry: magic block, start-up, gm.version().
 */
#include "gm.h"

#include "utils/builtins.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	gm_settings_init();
	gm_cache_init();
}

PG_FUNCTION_INFO_V1(gm_version);
Datum
gm_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(GM_VERSION_STRING));
}
