/*
 * compat.h — the one place where differences between PostgreSQL major versions
 * are bridged, so the domain code reads the same on every supported server.
 */
#ifndef GM_COMPAT_H
#define GM_COMPAT_H

#include "storage/proc.h"

/* the backend's local transaction id: MyProc->lxid until 16, MyProc->vxid.lxid from 17 */
#if PG_VERSION_NUM >= 170000
#define GM_MY_LXID (MyProc->vxid.lxid)
#else
#define GM_MY_LXID (MyProc->lxid)
#endif

#endif							/* GM_COMPAT_H */
