/*
 * exec.h - runs federated statements against the catalog.
 *
 * hl_exec_check() checks what needs no catalog (option lists of the
 * statements that create things, values of REGISTER NODES, ...); it runs at
 * prepare time, also under --syntax-check.  hl_exec_run() runs the
 * statement in one catalog transaction: it resolves the names, checks the
 * options against the stored ones, changes the catalog and records the
 * change in the audit log, or changes nothing and fills *err.
 */
#ifndef HL_EXEC_H
#define HL_EXEC_H

#include <stddef.h>
#include <sqlite3.h>

#include "ast.h"
#include "err.h"
#include "helios.h"

int hl_exec_check(const HlStmt *st, hl_err *err);   /* check.c */

/* The language of CREATE FEDERATED AGGREGATION FUNCTION is one this build
 * runs (sql, c), with the body that language needs (check.c). */
int hl_check_language(const HlStmt *st, hl_err *err);

/* *rows receives, for SHOW and DESCRIBE, a prepared statement whose rows are
 * the result (the caller steps and finalizes it); else NULL.  tag receives
 * the command tag; *notice a malloc'd notice or NULL. */
int hl_exec_run(helios *h, const HlStmt *st, sqlite3_stmt **rows,
                char *tag, size_t tagsz, char **notice, hl_err *err);

#endif
