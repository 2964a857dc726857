/*
 * catalog.h - the federated catalog, stored in SQLite.
 *
 * The catalog lives in the same database file as the user's own tables, in
 * tables named hl_* (see schema.sql).  This module is the only code that
 * writes catalog SQL; everything else calls these typed functions.
 *
 * Promises:
 *  - hl_cat_open() brings any database up to the current schema through the
 *    migrations keyed by PRAGMA user_version, turns on foreign keys and WAL
 *    (for files), and refuses a catalog newer than this build.
 *  - Names compare case-insensitively (as SQL identifiers do) and are
 *    stored as written.  Workspace and model names are unique in the
 *    catalog; node and alert names are unique within their workspace;
 *    aggregation function names are unique in the catalog.
 *  - Auditing: the caller records every change.  hl_cat_create(),
 *    hl_cat_set_options() and hl_cat_drop() do NOT write hl_audit; the
 *    executor, which knows the statement, calls hl_cat_audit() with the
 *    statement's action ("CREATE FEDERATED WORKSPACE") inside the same
 *    statement transaction (hl_cat_begin .. hl_cat_commit), so a failing
 *    statement leaves neither the change nor its audit entry.
 *  - On error a function returns a HELIOS_* code, fills *err (offset -1: the
 *    caller knows which token to blame and sets err->offset) and changes
 *    nothing (each change is one SQL statement, atomic by itself).
 *  - Protection: plain SQL may read the hl_* tables but not write them.
 *    hl_cat_open() installs an SQLite authorizer that refuses INSERT,
 *    UPDATE, DELETE, DROP, ALTER, CREATE INDEX/TRIGGER on hl_* tables,
 *    CREATE TABLE/VIEW of a new hl_* name and setting PRAGMA user_version.
 *    The catalog's own functions lift it while they write.  The connection
 *    must not install another authorizer.
 *
 * Status values: workspaces 'active'; nodes 'registered' until the engine
 * reaches them; models 'defined' until trained, then 'training' while a run
 * runs and 'trained' once they have a version (storage/runs.h); alerts
 * 'enabled'; aggregation functions 'defined'; extensions 'installed'.
 *
 * Training history (runs, rounds, model versions, checkpoint rows) has its
 * own accessors in storage/runs.h.
 */
#ifndef HL_CATALOG_H
#define HL_CATALOG_H

#include <stdint.h>
#include <sqlite3.h>

#include "../src/err.h"

/* Current schema version (PRAGMA user_version after hl_cat_open). */
#define HL_CAT_SCHEMA_VERSION 5

typedef enum HlCatKind {
    HL_CAT_WORKSPACE = 0,       /* hl_workspace */
    HL_CAT_NODE,                /* hl_node, inside a workspace */
    HL_CAT_MODEL,               /* hl_model, inside a workspace */
    HL_CAT_ALERT,               /* hl_alert, on a workspace */
    HL_CAT_AGGFUNC,             /* hl_aggfunc */
    HL_CAT_EXTENSION,           /* hl_extension */
    HL_CAT__COUNT
} HlCatKind;

/* One catalog object as read back. */
typedef struct HlCatObj {
    int64_t id;
    int64_t ws_id;              /* 0 for workspaces, functions, extensions */
    char *name;                 /* owned */
    char *ws_name;              /* owned; NULL when ws_id == 0 */
    char *options;              /* owned JSON object text, "{}" when none */
    char *status;               /* owned: 'registered', 'defined', ... */
    char *created_at;           /* owned, 'YYYY-MM-DD HH:MM:SS' UTC */
} HlCatObj;

void hl_cat_obj_clear(HlCatObj *o);   /* frees the strings; accepts NULL */

/* "workspace", "node", "model", "alert", "aggregation function", "extension" */
const char *hl_cat_kind_name(HlCatKind k);

/* Prepares the connection: foreign keys on, a busy timeout, WAL (unless
 * is_memory; kept as it is when the file cannot switch), the schema
 * migrations keyed by PRAGMA user_version (a database without the catalog,
 * user tables or not, gets it added; a catalog newer than this build is
 * refused), and the protection above.  Safe to call again on a database
 * that already has it.  The federated views and functions are not
 * registered here: call hl_sqlfn_register() (src/sqlfn/sqlfn.h) after. */
int hl_cat_open(sqlite3 *db, int is_memory, hl_err *err);

/* Protection of the hl_* tables against plain SQL (see the top).  on = 0
 * lifts it and on = 1 restores it; calls nest (a counter), so that
 * hl_cat_protect(db, 0) ... hl_cat_protect(db, 1) may surround code that
 * does the same.  hl_cat_protect(db, 1) without a lift before it only makes
 * sure that protection is installed.  The authorizer is consulted when a
 * statement is prepared, so lift it around preparing (and stepping) catalog
 * writes.  Returns HELIOS_OK, or HELIOS_NOMEM / HELIOS_ERROR. */
int hl_cat_protect(sqlite3 *db, int on);

/* After SQLite refused a statement with SQLITE_AUTH ("not authorized"): the
 * reason in words, e.g. "table hl_workspace belongs to the helios catalog;
 * change it with federated statements".  NULL when protection refused
 * nothing yet on this connection.  Valid until the next refusal. */
const char *hl_cat_protect_errmsg(sqlite3 *db);

/* One transaction per statement, nestable inside a user's BEGIN (savepoints). */
int hl_cat_begin(sqlite3 *db, hl_err *err);
int hl_cat_commit(sqlite3 *db, hl_err *err);
void hl_cat_rollback(sqlite3 *db);

/* Creates an object.  ws_id is 0 for kinds that are not inside a workspace.
 * `options` is JSON text (NULL means "{}").  `extra` is kind-specific JSON
 * or NULL:
 *   alert:   {"metric": "remaining_epsilon", "cmp": "<", "threshold": 0.1,
 *             "notify": "privacy-team@example.com"}  (cmp: < <= > >= = !=)
 *   aggfunc: {"returns": "FLOAT", "language": "sql", "body": "...",
 *             "symbol": null}
 * HELIOS_EXISTS when the name is taken ("federated model 'm' already exists
 * (in workspace 'w')", "federated node 'n' already exists in workspace
 * 'w'").  *id_out (may be NULL) gets the id.  Does not audit. */
int hl_cat_create(sqlite3 *db, HlCatKind k, int64_t ws_id, const char *name,
                  const char *options, const char *extra, int64_t *id_out,
                  hl_err *err);

/* Looks an object up by name.  Kinds inside a workspace: ws_id != 0 looks
 * only there ("federated node 'n' does not exist in workspace 'w'"); ws_id
 * 0 looks in every workspace, and a node or alert name that exists in
 * several is an error (HELIOS_ERROR) naming them.  Model names are unique
 * in the catalog.  HELIOS_NOTFOUND when missing; the message names the
 * object: "federated model 'x' does not exist".  *out is written only on
 * success, and then overwritten without freeing what it held: pass a
 * zeroed or cleared HlCatObj, and clear it with hl_cat_obj_clear(). */
int hl_cat_get(sqlite3 *db, HlCatKind k, int64_t ws_id, const char *name,
               HlCatObj *out, hl_err *err);

/* Replaces an object's options with `options` (JSON text).  Does not audit. */
int hl_cat_set_options(sqlite3 *db, HlCatKind k, int64_t id, const char *options,
                       hl_err *err);

/* Drops an object.  A workspace that still has nodes, models or alerts is
 * dropped only with cascade (with them); otherwise an error that counts
 * what it holds: "federated workspace 'w' still has 2 nodes and 1 model;
 * use DROP FEDERATED WORKSPACE w CASCADE".  A model goes with its versions.
 * An aggregation function that a model uses (option aggregation) is not
 * dropped.  Does not audit. */
int hl_cat_drop(sqlite3 *db, HlCatKind k, int64_t id, int cascade, hl_err *err);

/* Every object of kind k (inside workspace ws_id when ws_id != 0), in
 * creation order: *out (free with hl_cat_list_free) and *n. */
int hl_cat_list(sqlite3 *db, HlCatKind k, int64_t ws_id, HlCatObj **out, int *n, hl_err *err);
void hl_cat_list_free(HlCatObj *v, int n);

/* Number of objects of kind k (inside workspace ws_id when ws_id != 0), or
 * -1 when the catalog cannot be read. */
int64_t hl_cat_count(sqlite3 *db, HlCatKind k, int64_t ws_id);

/* The only workspace, when exactly one exists: HELIOS_OK and *out filled
 * (as by hl_cat_get()).
 * Otherwise HELIOS_NOTFOUND with a message that says how many exist. */
int hl_cat_only_workspace(sqlite3 *db, HlCatObj *out, hl_err *err);

/* Appends one audit entry: action ("CREATE FEDERATED WORKSPACE"), object
 * kind (HL_CAT__COUNT: none) and name, workspace name (may be NULL), detail
 * (JSON or text, may be NULL).  The executor calls it once per statement
 * that changed something, inside the statement's transaction. */
int hl_cat_audit(sqlite3 *db, const char *action, HlCatKind k, const char *name,
                 const char *ws_name, const char *detail, hl_err *err);

/* ---- the audit log's hash chains (storage/audit.c: how they are made,
 * and what they detect and what not) ---- */

/* Appends an entry to ws's chain (ws NULL: the chain of entries that
 * belong to no workspace), timestamped now (HELIOS_NOW applies), in its own
 * transaction or the caller's.  kind is an object kind's name ("model"),
 * or NULL.  Training rounds, exports, alerts... are appended with it. */
int hl_cat_audit_append(sqlite3 *db, const char *action, const char *kind, const char *name,
                        const char *ws, const char *detail, hl_err *err);

typedef struct HlCatAuditCheck {
    int ok;                     /* 1: the chain is intact from its anchor to its head */
    int64_t entries;            /* entries verified (before the first problem) */
    int64_t anchor_seq;         /* the chain starts after this seq (retention pruned
                                   the ones before; 0: none pruned) */
    int64_t bad_id, bad_seq;    /* !ok: the first entry found wrong (bad_id 0: the
                                   chain's end) */
    char problem[200];          /* !ok: what is wrong with it */
} HlCatAuditCheck;

/* Walks ws's chain (NULL: the no-workspace chain); *r says whether it is
 * intact or the first entry that was altered, removed or inserted.
 * HELIOS_OK whatever it found; an error only when it cannot read. */
int hl_cat_audit_verify(sqlite3 *db, const char *ws, HlCatAuditCheck *r, hl_err *err);

/* Retention: drops ws's entries older than `before` ('YYYY-MM-DD
 * HH:MM:SS'), a prefix of the chain and never its last entry, keeping the
 * last dropped entry's seq and hash as the chain's anchor, so that
 * verification still holds.  *pruned: entries dropped. */
int hl_cat_audit_prune(sqlite3 *db, const char *ws, const char *before, int64_t *pruned,
                       hl_err *err);

/* The SQL text of the query behind SHOW FEDERATED WORKSPACES|NODES|MODELS
 * (what: 1, 2, 3 as HlShowWhat) and DESCRIBE FEDERATED MODEL, with ?1 bound
 * by the caller to the workspace name (SHOW; NULL for all) or the model
 * name (DESCRIBE).  Static strings (NULL for an unknown `what`), queries
 * over the federated views, so hl_sqlfn_register() must have run.
 * Implemented in storage/views.c. */
const char *hl_cat_show_sql(int what);
const char *hl_cat_describe_sql(void);

#endif
