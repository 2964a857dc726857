/*
 * exec_int.h - internal to the executor (exec.c, exec_node.c,
 * exec_train.c); nothing else includes it.
 *
 * A statement runs as one function taking a Ctx (its statement, its
 * database, where its error, notice and result rows go, and what it
 * records in the audit log).  The dispatch table in exec.c names them all;
 * the helpers here are what they share.
 */
#ifndef HL_EXEC_INT_H
#define HL_EXEC_INT_H

#include <stddef.h>
#include <sqlite3.h>

#include "ast.h"
#include "catalog.h"
#include "err.h"
#include "helios.h"

typedef struct Ctx {
    helios *h;
    sqlite3 *db;
    const HlStmt *st;
    sqlite3_stmt **rows;
    char *tag;
    size_t tagsz;
    char **notice;
    hl_err *err;
    const char *audit_action;   /* set by a function that changed the catalog */
    HlCatKind audit_kind;
    const char *audit_name;
    char *audit_ws;             /* owned */
    char *audit_detail;         /* owned */
} Ctx;

/* Gives *err the offset `off` when rc is an error that has none yet. */
static inline int at(hl_err *err, int rc, int off)
{
    if (rc != HELIOS_OK && err->offset < 0)
        err->offset = off;
    return rc;
}

/* ---- helpers (exec.c) ---------------------------------------------------- */

/* Sets the statement's notice: fmt with a and b (b may be NULL). */
void hl_x_notice(Ctx *c, const char *fmt, const char *a, const char *b);
/* Records what the statement changed for the audit log; takes detail
 * (malloc'd JSON or NULL). */
void hl_x_audit(Ctx *c, HlCatKind k, const char *name, const char *ws, char *detail);
/* The workspace a statement means: IN WORKSPACE ws, else the one chosen by
 * USE FEDERATED WORKSPACE, else the only one. */
int hl_x_resolve_ws(Ctx *c, const HlName *given, HlCatObj *ws);
/* The model the statement names. */
int hl_x_get_model(Ctx *c, HlCatObj *m);
/* Offset of the value of option `name` in the statement, or the keywords. */
int hl_x_opt_value_off(const HlStmt *st, const char *name);
/* A model's aggregation that is not built in must name a federated
 * aggregation function. */
int hl_x_check_aggregation(Ctx *c, const char *json);
/* The effective integer value of a workspace option. */
long long hl_x_ws_int(const HlCatObj *ws, const char *name, long long dflt);

/* ---- statements ------------------------------------------------------------ */

/* exec_node.c: REGISTER FEDERATED NODE(S), DEREGISTER, ALTER NODE. */
/* The residency rules of the workspace's compliance_mode (ws_json: its
 * options) for a node (node_json: its options): HIPAA and BOTH, the node's
 * data_residency, when set, is 'US' or 'US-*'; GDPR and BOTH, when the
 * workspace has a data_residency, the node's is that region or inside it
 * ('EU-WEST' in 'EU').  HELIOS_OPTION at `off` naming the rule. */
int hl_x_residency(Ctx *c, const char *ws_name, const char *ws_json, const char *node_name,
                   const char *node_json, int off);
int hl_x_register_node(Ctx *c);
int hl_x_register_nodes(Ctx *c);
int hl_x_deregister_node(Ctx *c);
int hl_x_alter_node(Ctx *c);

/* exec_train.c: START and STOP FEDERATED TRAINING, CHECKPOINT, RESUME, TAG,
 * ROLLBACK. */
int hl_x_start_training(Ctx *c);
int hl_x_stop_training(Ctx *c);
int hl_x_checkpoint(Ctx *c);
int hl_x_resume(Ctx *c);
int hl_x_tag(Ctx *c);
int hl_x_rollback(Ctx *c);

#endif
