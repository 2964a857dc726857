/*
 * catalog_int.h - what the storage modules (catalog.c, catobj.c, runs.c,
 * versions.c) share; nothing outside storage/ includes it.
 */
#ifndef HL_CATALOG_INT_H
#define HL_CATALOG_INT_H

#include <stddef.h>
#include <stdint.h>
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

/* The SQL of migration `version` (1..HL_CAT_SCHEMA_VERSION), or NULL: for
 * tests that build an older catalog and upgrade it. */
const char *hl_cat_migration_sql(int version);

/* Migration 5: chains the audit entries written before the chains existed
 * (audit.c). */
int hl_cat_audit_chain_existing(sqlite3 *db, hl_err *err);

/* ---- writes of several statements (catalog.c) ---------------------------- */

/* A write's own transaction, protection lifted inside: BEGIN IMMEDIATE
 * when the caller holds none (*own = 1), else SAVEPOINT hl_runs.
 * hl_cat_txn_end() commits (releases) it when rc is HELIOS_OK, else rolls
 * it back, and returns the final code (a failed commit rolls back too). */
int hl_cat_txn_begin(sqlite3 *db, int *own, hl_err *err);
int hl_cat_txn_end(sqlite3 *db, int own, int rc, hl_err *err);

/* Prepares sql; on failure *err says it, with `doing`. */
int hl_cat_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **q, hl_err *err,
                   const char *doing);
/* Steps a write to its end and finalizes it. */
int hl_cat_step_done(sqlite3 *db, sqlite3_stmt *q, hl_err *err, const char *doing);

/* ---- values and lookups for runs.c and versions.c (catalog.c) ------------- */

/* Binds n doubles as a little-endian binary64 BLOB (NULL when v is NULL or
 * n is 0).  HELIOS_OK, or HELIOS_NOMEM / HELIOS_ERROR (too big). */
int hl_cat_bind_doubles(sqlite3_stmt *q, int i, const double *v, size_t n, hl_err *err);
/* Decodes column i (such a BLOB, or NULL) into *v (malloc'd; NULL when
 * empty) and *n.  A length that is not a multiple of 8 is an error that
 * names `what` ("the parameters of run 3"). */
int hl_cat_column_doubles(sqlite3_stmt *q, int i, double **v, size_t *n, const char *what,
                          hl_err *err);

/* strdup of column i, NULL for NULL; *oom set when allocation fails. */
char *hl_cat_dup_column(sqlite3_stmt *q, int i, int *oom);

/* The name of model `model_id` (malloc'd) into *name; HELIOS_NOTFOUND
 * when there is none. */
int hl_cat_model_name(sqlite3 *db, int64_t model_id, char **name, hl_err *err);

/* HELIOS_OK when `json` is valid JSON (an object when `object`), else
 * HELIOS_MISUSE naming `what` ("the run's plan"). */
int hl_cat_check_json(sqlite3 *db, const char *json, int object, const char *what,
                      hl_err *err);

#endif
