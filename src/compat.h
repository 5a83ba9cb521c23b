/*
 * compat.h — the one place where differences between PostgreSQL major versions
 * (15, 17 and 18 are supported and tested) are bridged, so the domain code reads
 * the same on every supported server.  The Makefile force-includes it into every
 * object (-include src/compat.h), before the file's own includes: hence postgres.h
 * first.  Each shim names the version that changed the API.
 */
#ifndef GM_COMPAT_H
#define GM_COMPAT_H

#include "postgres.h"

/* 16 moved the varlena macros (VARSIZE, VARDATA_ANY, SET_VARSIZE, ...) out of postgres.h */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

#include "storage/proc.h"

/* the backend's local transaction id: MyProc->lxid until 16, MyProc->vxid.lxid from 17 */
#if PG_VERSION_NUM >= 170000
#define GM_MY_LXID (MyProc->vxid.lxid)
#else
#define GM_MY_LXID (MyProc->lxid)
#endif

#endif							/* GM_COMPAT_H */
