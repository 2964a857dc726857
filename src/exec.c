/*
 * exec.c - federated statements take effect.  See exec.h.
 *
 * One function per statement kind, dispatched from one table.  Each runs
 * inside hl_cat_begin() .. hl_cat_commit(): a statement that fails leaves
 * the catalog as it was.  Statements whose effect belongs to a capability
 * that does not exist yet check what they can (names, options) and then
 * fail with "not implemented yet: <what>".
 *
 * The statements on nodes are in exec_node.c, those of a model's training
 * lifecycle in exec_train.c; exec_int.h is what they share with this file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "exec.h"
#include "exec_int.h"
#include "dp/rdp.h"
#include "ledger.h"
#include "internal.h"
#include "engine.h"
#include "json.h"
#include "options.h"
#include "optvalue.h"

/* ---- helpers -------------------------------------------------------------- */

void hl_x_notice(Ctx *c, const char *fmt, const char *a, const char *b)
{
    char buf[512];
    snprintf(buf, sizeof buf, fmt, a, b ? b : "");
    free(*c->notice);
    *c->notice = strdup(buf);
}

void hl_x_audit(Ctx *c, HlCatKind k, const char *name, const char *ws, char *detail)
{
    c->audit_action = hl_stmt_kind_name(c->st->kind);
    c->audit_kind = k;
    c->audit_name = name;
    free(c->audit_ws);
    c->audit_ws = ws ? strdup(ws) : NULL;
    free(c->audit_detail);
    c->audit_detail = detail;
}

static int not_implemented(Ctx *c, const char *what)
{
    return hl_err_set(c->err, HELIOS_NOTIMPL, c->st->kw_off, "not implemented yet: %s", what);
}

/* The workspace a statement means: IN WORKSPACE ws, else the one chosen by
 * USE FEDERATED WORKSPACE, else the only one. */
int hl_x_resolve_ws(Ctx *c, const HlName *given, HlCatObj *ws)
{
    if (given->s)
        return at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, given->s, ws, c->err), given->off);
    if (c->h->current_ws) {
        int rc = hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, c->h->current_ws, ws, c->err);
        if (rc != HELIOS_OK) {
            hl_err_clear(c->err);
            return hl_err_set(c->err, rc, c->st->name.off,
                              "the current workspace '%s' (USE FEDERATED WORKSPACE) no longer exists",
                              c->h->current_ws);
        }
        return HELIOS_OK;
    }
    int64_t n = hl_cat_count(c->db, HL_CAT_WORKSPACE, 0);
    if (n == 1)
        return hl_cat_only_workspace(c->db, ws, c->err);
    if (n == 0)
        return hl_err_set(c->err, HELIOS_NOTFOUND, c->st->name.off,
                          "no federated workspace exists yet; create one with CREATE FEDERATED WORKSPACE");
    return hl_err_set(c->err, HELIOS_NOTFOUND, c->st->name.off,
                      "which workspace? there are %lld; add IN WORKSPACE <name> or run USE FEDERATED WORKSPACE <name> first",
                      (long long)n);
}

int hl_x_get_model(Ctx *c, HlCatObj *m)
{
    return at(c->err, hl_cat_get(c->db, HL_CAT_MODEL, 0, c->st->name.s, m, c->err), c->st->name.off);
}

/* Offset of the value of option `name` in the statement, or the keywords. */
int hl_x_opt_value_off(const HlStmt *st, const char *name)
{
    for (int i = 0; i < st->opts.n; i++)
        if (strcasecmp(st->opts.v[i].name.s, name) == 0)
            return st->opts.v[i].value.off;
    return st->kw_off;
}

/* A model's aggregation that is not built in must name a federated
 * aggregation function. */
int hl_x_check_aggregation(Ctx *c, const char *json)
{
    char *v = hl_opt_get(HL_OBJ_MODEL, json, "aggregation");
    int rc = HELIOS_OK;
    if (v && v[0] == '"') {
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)strlen(v) - 2, v + 1);
        if (!hl_opt_is_builtin_aggregation(name)) {
            HlCatObj f = {0};
            if (hl_cat_get(c->db, HL_CAT_AGGFUNC, 0, name, &f, c->err) != HELIOS_OK) {
                int off = hl_x_opt_value_off(c->st, "aggregation");
                char list[512] = "";
                for (int i = 0; hl_opt_builtin_aggregations[i]; i++)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                             i ? ", " : "", hl_opt_builtin_aggregations[i]);
                const char *near = hl_opt_suggest_choice(hl_opt_find(HL_OBJ_MODEL, "aggregation"), name);
                hl_err_clear(c->err);
                if (near)
                    rc = hl_err_set(c->err, HELIOS_OPTION, off,
                                    "aggregation '%s' is neither built in nor a federated aggregation function; did you mean '%s'?",
                                    name, near);
                else
                    rc = hl_err_set(c->err, HELIOS_OPTION, off,
                                    "aggregation '%s' is neither built in (%s) nor a federated aggregation function",
                                    name, list);
            }
            hl_cat_obj_clear(&f);
        }
    }
    free(v);
    return rc;
}

/* The effective integer value of a workspace option. */
long long hl_x_ws_int(const HlCatObj *ws, const char *name, long long dflt)
{
    char *v = hl_opt_get(HL_OBJ_WORKSPACE, ws->options, name);
    long long r = v ? atoll(v) : dflt;
    free(v);
    return r;
}

/* What the option tables accept as well-formed but this build cannot do:
 * refused when a workspace would be created or changed with it. */
static int check_workspace_support(Ctx *c, const char *json)
{
    char *v = hl_opt_get(HL_OBJ_WORKSPACE, json, "communication_protocol");
    int rc = HELIOS_OK;
    if (v && strcmp(v, "\"tls\"") != 0)
        rc = hl_err_set(c->err, HELIOS_OPTION, hl_x_opt_value_off(c->st, "communication_protocol"),
                        "communication_protocol '%.*s' is not supported; helios speaks its own protocol over TLS 1.3: use 'tls'",
                        (int)strlen(v) - 2, v + 1);
    free(v);
    return rc;
}

/* ---- workspaces ----------------------------------------------------------- */

static int x_create_extension(Ctx *c)
{
    const HlStmt *st = c->st;
    if (strcasecmp(st->name.s, "heliosdb_federated_learning") != 0)
        return hl_err_set(c->err, HELIOS_NOTFOUND, st->name.off,
                          "extension '%s' is not available; helios provides heliosdb_federated_learning",
                          st->name.s);
    HlCatObj e = {0};
    int rc = hl_cat_get(c->db, HL_CAT_EXTENSION, 0, st->name.s, &e, c->err);
    hl_cat_obj_clear(&e);
    if (rc == HELIOS_OK) {
        if (st->if_not_exists) {
            hl_x_notice(c, "extension '%s' already exists, skipping", st->name.s, NULL);
            return HELIOS_OK;
        }
        return hl_err_set(c->err, HELIOS_EXISTS, st->name.off, "extension '%s' already exists",
                          st->name.s);
    }
    hl_err_clear(c->err);
    rc = hl_cat_create(c->db, HL_CAT_EXTENSION, 0, st->name.s, NULL, NULL, NULL, c->err);
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_EXTENSION, st->name.s, NULL, NULL);
    return at(c->err, rc, st->name.off);
}

static int x_create_workspace(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    if (hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, st->name.s, &ws, c->err) == HELIOS_OK) {
        hl_cat_obj_clear(&ws);
        if (st->if_not_exists) {
            hl_x_notice(c, "federated workspace '%s' already exists, skipping", st->name.s, NULL);
            return HELIOS_OK;
        }
        return hl_err_set(c->err, HELIOS_EXISTS, st->name.off,
                          "federated workspace '%s' already exists", st->name.s);
    }
    hl_err_clear(c->err);
    char *json = hl_opt_check(HL_OBJ_WORKSPACE, &st->opts, NULL, c->err);
    if (!json)
        return c->err->code;
    if (check_workspace_support(c, json) != HELIOS_OK) {
        free(json);
        return c->err->code;
    }
    int rc = hl_cat_create(c->db, HL_CAT_WORKSPACE, 0, st->name.s, json, NULL, NULL, c->err);
    if (rc == HELIOS_OK)
        hl_x_audit(c, HL_CAT_WORKSPACE, st->name.s, NULL, json);
    else
        free(json);
    return at(c->err, rc, st->name.off);
}

/* A privacy budget may be raised, never lowered below what the
 * workspace's models have spent (the ledger), nor removed once spent. */
static int check_budget(Ctx *c, const HlCatObj *ws, const char *json)
{
    HlCatSpent spent;
    int rc = hl_cat_privacy_spent(c->db, ws->id, HL_RDP_NORDERS, &spent, c->err);
    if (rc != HELIOS_OK)
        return rc;
    double used = spent.cumulative_epsilon;
    hl_cat_spent_clear(&spent);
    if (used <= 0)
        return HELIOS_OK;
    HlCatObj merged = *ws;
    merged.options = (char *)json;
    char *v = hl_opt_get(HL_OBJ_WORKSPACE, merged.options, "privacy_budget");
    double budget = v && strcmp(v, "null") != 0 ? atof(v) : -1;
    free(v);
    int off = hl_x_opt_value_off(c->st, "privacy_budget");
    if (budget < 0)
        return hl_err_set(c->err, HELIOS_OPTION, off,
                          "workspace '%s' has consumed epsilon %.6g of its privacy budget; the budget cannot be removed",
                          ws->name, used);
    if (budget < used)
        return hl_err_set(c->err, HELIOS_OPTION, off,
                          "option 'privacy_budget' (%g) is below the epsilon workspace '%s' has consumed (%.6g); a budget can be raised, not lowered below what is spent",
                          budget, ws->name, used);
    return HELIOS_OK;
}

/* A workspace's new options against its nodes' residency (a compliance
 * mode turned on, a region changed): the first node that breaks a rule
 * refuses the change (hl_x_residency). */
static int check_nodes_residency(Ctx *c, const HlCatObj *ws, const char *json)
{
    HlCatObj *v = NULL;
    int n = 0;
    int rc = hl_cat_list(c->db, HL_CAT_NODE, ws->id, &v, &n, c->err);
    int off = hl_x_opt_value_off(c->st, "compliance_mode");
    if (off < 0)
        off = hl_x_opt_value_off(c->st, "data_residency");
    for (int i = 0; rc == HELIOS_OK && i < n; i++)
        rc = hl_x_residency(c, ws->name, json, v[i].name, v[i].options, off);
    hl_cat_list_free(v, n);
    return rc;
}

static int x_alter_workspace(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    int rc = at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, st->name.s, &ws, c->err), st->name.off);
    if (rc == HELIOS_OK) {
        char *json = hl_opt_check(HL_OBJ_WORKSPACE, &st->opts, ws.options, c->err);
        if (json && check_workspace_support(c, json) != HELIOS_OK) {
            free(json);
            json = NULL;
        }
        if (json) {
            HlCatObj merged = ws;
            merged.options = json;
            long long max = hl_x_ws_int(&merged, "max_nodes", 0);
            long long have = hl_cat_count(c->db, HL_CAT_NODE, ws.id);
            if (max > 0 && have > max) {
                hl_err_set(c->err, HELIOS_OPTION, hl_x_opt_value_off(st, "max_nodes"),
                           "option 'max_nodes' (%lld) is below the %lld nodes registered in workspace '%s'",
                           max, have, ws.name);
                free(json);
                json = NULL;
            }
        }
        if (json && check_budget(c, &ws, json) != HELIOS_OK) {
            free(json);
            json = NULL;
        }
        if (json && check_nodes_residency(c, &ws, json) != HELIOS_OK) {
            free(json);
            json = NULL;
        }
        rc = json ? hl_cat_set_options(c->db, HL_CAT_WORKSPACE, ws.id, json, c->err) : c->err->code;
        if (rc == HELIOS_OK)
            hl_x_audit(c, HL_CAT_WORKSPACE, st->name.s, NULL, json);
        else
            free(json);
    }
    hl_cat_obj_clear(&ws);
    return rc;
}

static int x_drop_workspace(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    int rc = hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, st->name.s, &ws, c->err);
    if (rc == HELIOS_NOTFOUND && st->if_exists) {
        hl_err_clear(c->err);
        hl_x_notice(c, "federated workspace '%s' does not exist, skipping", st->name.s, NULL);
        return HELIOS_OK;
    }
    if (rc == HELIOS_OK)
        rc = hl_cat_drop(c->db, HL_CAT_WORKSPACE, ws.id, st->cascade, c->err);
    if (rc == HELIOS_OK) {
        if (c->h->current_ws && strcasecmp(c->h->current_ws, st->name.s) == 0) {
            free(c->h->current_ws);
            c->h->current_ws = NULL;
        }
        hl_x_audit(c, HL_CAT_WORKSPACE, st->name.s, NULL, NULL);
    }
    hl_cat_obj_clear(&ws);
    return at(c->err, rc, st->name.off);
}

static int x_use_workspace(Ctx *c)
{
    HlCatObj ws = {0};
    int rc = at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, c->st->name.s, &ws, c->err),
                c->st->name.off);
    if (rc == HELIOS_OK) {
        char *name = strdup(ws.name);
        if (!name)
            rc = hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
        else {
            free(c->h->current_ws);
            c->h->current_ws = name;
        }
    }
    hl_cat_obj_clear(&ws);
    return rc;
}

/* ---- models --------------------------------------------------------------- */

static int x_create_model(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0}, m = {0};
    if (hl_cat_get(c->db, HL_CAT_MODEL, 0, st->name.s, &m, c->err) == HELIOS_OK) {
        int rc;
        if (st->if_not_exists) {
            hl_x_notice(c, "federated model '%s' already exists, skipping", st->name.s, NULL);
            rc = HELIOS_OK;
        } else
            rc = hl_err_set(c->err, HELIOS_EXISTS, st->name.off,
                            "federated model '%s' already exists (in workspace '%s')", st->name.s,
                            m.ws_name ? m.ws_name : "?");
        hl_cat_obj_clear(&m);
        return rc;
    }
    hl_err_clear(c->err);
    int rc = hl_x_resolve_ws(c, &st->workspace, &ws);
    char *json = NULL;
    if (rc == HELIOS_OK) {
        json = hl_opt_check(HL_OBJ_MODEL, &st->opts, NULL, c->err);
        rc = json ? hl_x_check_aggregation(c, json) : c->err->code;
    }
    if (rc == HELIOS_OK)
        rc = at(c->err, hl_cat_create(c->db, HL_CAT_MODEL, ws.id, st->name.s, json, NULL, NULL, c->err),
                st->name.off);
    if (rc == HELIOS_OK) {
        hl_x_audit(c, HL_CAT_MODEL, st->name.s, ws.name, json);
        json = NULL;
    }
    free(json);
    hl_cat_obj_clear(&ws);
    return rc;
}

static int x_alter_model(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK) {
        char *json = hl_opt_check(HL_OBJ_MODEL, &c->st->opts, m.options, c->err);
        rc = json ? hl_x_check_aggregation(c, json) : c->err->code;
        if (rc == HELIOS_OK)
            rc = hl_cat_set_options(c->db, HL_CAT_MODEL, m.id, json, c->err);
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, json);
        } else
            free(json);
    }
    hl_cat_obj_clear(&m);
    return rc;
}

static int x_drop_model(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_NOTFOUND && c->st->if_exists) {
        hl_err_clear(c->err);
        hl_x_notice(c, "federated model '%s' does not exist, skipping", c->st->name.s, NULL);
        rc = HELIOS_OK;
    } else if (rc == HELIOS_OK && hl_engine_running(c->h->engine, m.id)) {
        rc = hl_err_set(c->err, HELIOS_ERROR, c->st->name.off,
                        "federated model '%s' is training; STOP FEDERATED TRAINING %s first",
                        m.name, m.name);
    } else if (rc == HELIOS_OK) {
        rc = hl_cat_drop(c->db, HL_CAT_MODEL, m.id, 0, c->err);
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_MODEL, c->st->name.s, m.ws_name, NULL);
        }
    }
    hl_cat_obj_clear(&m);
    return rc;
}

/* Prepares one of storage's result queries, with ?1 bound to `arg`. */
static int result_rows(Ctx *c, const char *sql, const char *arg)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK)
        return hl_err_set(c->err, HELIOS_ERROR, c->st->kw_off, "%s", sqlite3_errmsg(c->db));
    if (arg)
        sqlite3_bind_text(q, 1, arg, -1, SQLITE_TRANSIENT);
    *c->rows = q;
    return HELIOS_OK;
}

static int x_describe_model(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    hl_cat_obj_clear(&m);
    return rc == HELIOS_OK ? result_rows(c, hl_cat_describe_sql(), c->st->name.s) : rc;
}

static int x_show(Ctx *c)
{
    const HlStmt *st = c->st;
    /* Nodes and models of IN WORKSPACE ws, else of the USE'd one, else all. */
    const char *ws_name = st->workspace.s;
    if (!ws_name && st->show != HL_SHOW_WORKSPACES)
        ws_name = c->h->current_ws;
    if (ws_name) {
        HlCatObj ws = {0};
        int rc = at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, ws_name, &ws, c->err),
                    st->workspace.s ? st->workspace.off : st->kw_off);
        hl_cat_obj_clear(&ws);
        if (rc != HELIOS_OK)
            return rc;
    }
    return result_rows(c, hl_cat_show_sql((int)st->show), ws_name);
}

/* ---- data subjects and consent: checked now, run by a later capability -- */

static int x_forget(Ctx *c)
{
    HlCatObj m = {0};
    int rc = hl_x_get_model(c, &m);
    if (rc == HELIOS_OK) {
        char *col = hl_opt_get(HL_OBJ_MODEL, m.options, "subject_column");
        char name[256] = "data_subject_id";
        if (col && col[0] == '"')
            snprintf(name, sizeof name, "%.*s", (int)strlen(col) - 2, col + 1);
        if (strcasecmp(name, c->st->column.s) != 0)
            rc = hl_err_set(c->err, HELIOS_OPTION, c->st->column.off,
                            "model '%s' identifies its data subjects by column '%s' (option subject_column), not '%s'",
                            m.name, name, c->st->column.s);
        free(col);
    }
    hl_cat_obj_clear(&m);
    return rc ? rc : not_implemented(c, "the right to be forgotten (DELETE FROM FEDERATED TRAINING)");
}

static int x_ws_then_notimpl(Ctx *c, const char *what)
{
    HlCatObj ws = {0};
    int rc = at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, c->st->workspace.s, &ws, c->err),
                c->st->workspace.off);
    hl_cat_obj_clear(&ws);
    return rc ? rc : not_implemented(c, what);
}

static int x_export(Ctx *c) { return x_ws_then_notimpl(c, "data portability (EXPORT FEDERATED DATA)"); }
static int x_revoke(Ctx *c) { return x_ws_then_notimpl(c, "consent management (REVOKE FEDERATED CONSENT)"); }
static int x_grant(Ctx *c) { return x_ws_then_notimpl(c, "consent management (GRANT FEDERATED CONSENT)"); }

/* ---- aggregation functions and alerts -------------------------------------- */

static int x_create_aggfunc(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj f = {0};
    int rc = hl_cat_get(c->db, HL_CAT_AGGFUNC, 0, st->name.s, &f, c->err);
    hl_cat_obj_clear(&f);
    if (rc == HELIOS_OK && st->if_not_exists) {
        hl_x_notice(c, "federated aggregation function '%s' already exists, skipping",
                    st->name.s, NULL);
        return HELIOS_OK;
    }
    if (rc == HELIOS_OK)
        return hl_err_set(c->err, HELIOS_EXISTS, st->name.off,
                          "federated aggregation function '%s' already exists", st->name.s);
    hl_err_clear(c->err);
    if (hl_check_language(st, c->err) != HELIOS_OK)
        return c->err->code;
    if (hl_opt_is_builtin_aggregation(st->name.s))
        return hl_err_set(c->err, HELIOS_EXISTS, st->name.off,
                          "'%s' is the name of a built-in aggregation", st->name.s);
    return not_implemented(c, "custom aggregation functions (CREATE FEDERATED AGGREGATION FUNCTION)");
}

static int x_drop_aggfunc(Ctx *c)
{
    HlCatObj f = {0};
    int rc = at(c->err, hl_cat_get(c->db, HL_CAT_AGGFUNC, 0, c->st->name.s, &f, c->err),
                c->st->name.off);
    if (rc == HELIOS_NOTFOUND && c->st->if_exists) {
        hl_err_clear(c->err);
        hl_x_notice(c, "federated aggregation function '%s' does not exist, skipping",
                    c->st->name.s, NULL);
        rc = HELIOS_OK;
    } else if (rc == HELIOS_OK) {
        rc = hl_cat_drop(c->db, HL_CAT_AGGFUNC, f.id, 0, c->err);
        if (rc == HELIOS_OK)
            hl_x_audit(c, HL_CAT_AGGFUNC, c->st->name.s, NULL, NULL);
    }
    hl_cat_obj_clear(&f);
    return rc;
}

static const char *cmp_text(HlCmp k)
{
    static const char *const t[] = {"", "<", "<=", ">", ">=", "=", "!="};
    return k >= HL_CMP_LT && k <= HL_CMP_NE ? t[k] : "?";
}

static int x_create_alert(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    int rc = at(c->err, hl_cat_get(c->db, HL_CAT_WORKSPACE, 0, st->workspace.s, &ws, c->err),
                st->workspace.off);
    if (rc == HELIOS_OK && st->if_not_exists) {
        HlCatObj a = {0};
        if (hl_cat_get(c->db, HL_CAT_ALERT, ws.id, st->name.s, &a, c->err) == HELIOS_OK) {
            hl_x_notice(c, "federated alert '%s' already exists in workspace '%s', skipping",
                        st->name.s, ws.name);
            hl_cat_obj_clear(&a);
            hl_cat_obj_clear(&ws);
            return HELIOS_OK;
        }
        hl_err_clear(c->err);
    }
    if (rc == HELIOS_OK) {
        HlJsonWriter w;
        hl_json_writer_init(&w);
        hl_json_begin_object(&w);
        hl_json_key(&w, "metric");
        hl_json_string(&w, st->metric.s);
        hl_json_key(&w, "cmp");
        hl_json_string(&w, cmp_text(st->cmp));
        hl_json_key(&w, "threshold");
        hl_json_real(&w, st->threshold.r);
        hl_json_key(&w, "notify");
        hl_json_string(&w, st->notify.s);
        hl_json_end_object(&w);
        char *extra = hl_json_writer_finish(&w);
        rc = extra ? hl_cat_create(c->db, HL_CAT_ALERT, ws.id, st->name.s, NULL, extra, NULL, c->err)
                   : hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_ALERT, st->name.s, ws.name, extra);
            extra = NULL;
        }
        free(extra);
        rc = at(c->err, rc, st->name.off);
    }
    hl_cat_obj_clear(&ws);
    return rc;
}

static int x_drop_alert(Ctx *c)
{
    /* ON WORKSPACE ws, else the USE'd workspace, else wherever it is (an
     * error when several workspaces have an alert of that name). */
    HlCatObj a = {0}, ws = {0};
    int64_t ws_id = 0;
    int rc = HELIOS_OK;
    if (c->st->workspace.s || c->h->current_ws) {
        rc = hl_x_resolve_ws(c, &c->st->workspace, &ws);
        ws_id = ws.id;
        hl_cat_obj_clear(&ws);
        if (rc != HELIOS_OK)
            return rc;
    }
    rc = at(c->err, hl_cat_get(c->db, HL_CAT_ALERT, ws_id, c->st->name.s, &a, c->err), c->st->name.off);
    if (rc == HELIOS_NOTFOUND && c->st->if_exists) {
        hl_err_clear(c->err);
        hl_x_notice(c, "federated alert '%s' does not exist, skipping", c->st->name.s, NULL);
        rc = HELIOS_OK;
    } else if (rc == HELIOS_OK) {
        rc = hl_cat_drop(c->db, HL_CAT_ALERT, a.id, 0, c->err);
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_ALERT, c->st->name.s, a.ws_name, NULL);
        }
    }
    hl_cat_obj_clear(&a);
    return rc;
}

/* ---- dispatch ---------------------------------------------------------------- */

typedef struct Action {
    HlStmtKind kind;
    int (*run)(Ctx *);
    int writes;         /* runs in a catalog transaction with protection off */
} Action;

static const Action actions[] = {
    {HL_STMT_CREATE_EXTENSION, x_create_extension, 1},
    {HL_STMT_CREATE_WORKSPACE, x_create_workspace, 1},
    {HL_STMT_ALTER_WORKSPACE, x_alter_workspace, 1},
    {HL_STMT_DROP_WORKSPACE, x_drop_workspace, 1},
    {HL_STMT_USE_WORKSPACE, x_use_workspace, 0},
    {HL_STMT_REGISTER_NODE, hl_x_register_node, 1},
    {HL_STMT_REGISTER_NODES, hl_x_register_nodes, 1},
    {HL_STMT_DEREGISTER_NODE, hl_x_deregister_node, 1},
    {HL_STMT_ALTER_NODE, hl_x_alter_node, 1},
    {HL_STMT_CREATE_MODEL, x_create_model, 1},
    {HL_STMT_ALTER_MODEL, x_alter_model, 1},
    {HL_STMT_DROP_MODEL, x_drop_model, 1},
    {HL_STMT_DESCRIBE_MODEL, x_describe_model, 0},
    {HL_STMT_START_TRAINING, hl_x_start_training, 1},
    {HL_STMT_STOP_TRAINING, hl_x_stop_training, 1},
    {HL_STMT_CHECKPOINT, hl_x_checkpoint, 1},
    {HL_STMT_RESUME, hl_x_resume, 1},
    {HL_STMT_TAG_MODEL, hl_x_tag, 1},
    {HL_STMT_ROLLBACK_MODEL, hl_x_rollback, 1},
    {HL_STMT_CREATE_AGGFUNC, x_create_aggfunc, 1},
    {HL_STMT_DROP_AGGFUNC, x_drop_aggfunc, 1},
    {HL_STMT_CREATE_ALERT, x_create_alert, 1},
    {HL_STMT_DROP_ALERT, x_drop_alert, 1},
    {HL_STMT_FORGET, x_forget, 1},
    {HL_STMT_EXPORT, x_export, 1},
    {HL_STMT_REVOKE_CONSENT, x_revoke, 1},
    {HL_STMT_GRANT_CONSENT, x_grant, 1},
    {HL_STMT_SHOW, x_show, 0},
};

int hl_exec_run(helios *h, const HlStmt *st, sqlite3_stmt **rows,
                char *tag, size_t tagsz, char **notice_out, hl_err *err)
{
    const Action *a = NULL;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (actions[i].kind == st->kind)
            a = &actions[i];
    *rows = NULL;
    if (!a)
        return hl_err_set(err, HELIOS_NOTIMPL, st->off, "not implemented yet: %s",
                          hl_stmt_kind_name(st->kind));
    Ctx c = { .h = h, .db = h->db, .st = st, .rows = rows, .tag = tag, .tagsz = tagsz,
              .notice = notice_out, .err = err };
    int rc;
    if (a->writes) {
        rc = hl_cat_begin(h->db, err);
        if (rc != HELIOS_OK)
            return rc;
        hl_cat_protect(h->db, 0);
        rc = a->run(&c);
        if (rc == HELIOS_OK && c.audit_action)
            rc = hl_cat_audit(h->db, c.audit_action, c.audit_kind, c.audit_name, c.audit_ws,
                              c.audit_detail, err);
        if (rc == HELIOS_OK)
            rc = hl_cat_commit(h->db, err);
        else
            hl_cat_rollback(h->db);
        hl_cat_protect(h->db, 1);
    } else
        rc = a->run(&c);
    free(c.audit_ws);
    free(c.audit_detail);
    if (rc == HELIOS_OK) {
        snprintf(tag, tagsz, "%s", hl_stmt_kind_name(st->kind));
        if (c.audit_action)
            h->changes = 1;
    }
    return rc;
}
