/*
 * internal.h - the insides of the public handles, shared by helios.c, the
 * executor (exec*.c) and the SQL functions that need the handle
 * (sqlfn/training.c).  Nothing outside src/ includes this.
 */
#ifndef HL_INTERNAL_H
#define HL_INTERNAL_H

#include <signal.h>
#include <sqlite3.h>

#include "ast.h"
#include "err.h"
#include "front.h"
#include "helios.h"

struct helios {
    sqlite3 *db;
    hl_err err;
    char *current_ws;           /* USE FEDERATED WORKSPACE; owned, may be NULL */
    int changes;
    char *uri;                  /* what other connections open to reach this database */
    struct HlEngine *engine;    /* training runs of this handle */
    volatile sig_atomic_t cancel;   /* helios_cancel() was called during the statement */
};

struct helios_stmt {
    helios *h;
    int federated;
    int check_only;
    int off, len;               /* span of the statement in the prepared text */
    const char *text;           /* the prepared text (not owned; valid while preparing) */
    HlToken *toks;              /* owned copy of the statement's tokens (offsets into text) */
    int ntok;
    HlStmt *ast;                /* federated: the tree */
    sqlite3_stmt *sq;           /* plain SQL, or the rows of SHOW and DESCRIBE */
    char *sql;                  /* plain SQL as rewritten; owned */
    HlOffMap map;               /* rewritten SQL -> offsets in the prepared text */
    int state;                  /* 0 new, 1 rows, 2 done, 3 failed */
    char tag[96];
    char *notice;               /* owned, may be NULL */
    char *src_copy;             /* owned copy of the statement text, for messages after prepare */
    int src_base;               /* offset of src_copy[0] in the prepared text */
};

#endif
