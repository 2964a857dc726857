/*
 * catalog_int.h - what catalog.c and catobj.c share; nothing else includes it.
 */
#ifndef HL_CATALOG_INT_H
#define HL_CATALOG_INT_H

#include <sqlite3.h>

#include "../src/err.h"

/* Fills *err from the connection's last error, prefixed by `doing`
 * ("cannot read the catalog"); returns the HELIOS_* code. */
int hl_cat_dberr(sqlite3 *db, hl_err *err, const char *doing);
/* sqlite3_exec() with errors into *err; returns a HELIOS_* code. */
int hl_cat_exec(sqlite3 *db, const char *sql, hl_err *err, const char *doing);
/* Lift and restore protection around the catalog's own writes (nest). */
void hl_cat_lift(sqlite3 *db);
void hl_cat_unlift(sqlite3 *db);

#endif
