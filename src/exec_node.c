/*
 * exec_node.c - the statements that register, change and remove federated
 * nodes (see exec.h).  REGISTER FEDERATED NODES ... PARTITION BY splits a
 * table of this database among new local nodes: each gets a data_filter
 * that calls the functions of engine/partition.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec_int.h"
#include "json.h"
#include "options.h"

/* An option's string value (malloc'd, unquoted), or NULL. */
static char *opt_text(HlObjKind k, const char *json, const char *name)
{
    char *v = json ? hl_opt_get(k, json, name) : NULL;
    size_t n = v ? strlen(v) : 0;
    if (n < 2 || v[0] != '"' || v[n - 1] != '"') {
        free(v);
        return NULL;
    }
    memmove(v, v + 1, n - 2);
    v[n - 2] = '\0';
    return v;
}

/* Is region r `area` or inside it ('EU-WEST' in 'EU')? */
static int within(const char *r, const char *area)
{
    size_t n = strlen(area);
    return strcasecmp(r, area) == 0 || (strncasecmp(r, area, n) == 0 && r[n] == '-');
}

int hl_x_residency(Ctx *c, const char *ws_name, const char *ws_json, const char *node_name,
                   const char *node_json, int off)
{
    char *mode = opt_text(HL_OBJ_WORKSPACE, ws_json, "compliance_mode");
    char *area = opt_text(HL_OBJ_WORKSPACE, ws_json, "data_residency");
    char *r = opt_text(HL_OBJ_NODE, node_json, "data_residency");
    int rc = HELIOS_OK;
    int hipaa = mode && (strcasecmp(mode, "HIPAA") == 0 || strcasecmp(mode, "BOTH") == 0);
    int gdpr = mode && (strcasecmp(mode, "GDPR") == 0 || strcasecmp(mode, "BOTH") == 0);
    if (r && hipaa && !within(r, "US"))
        rc = hl_err_set(c->err, HELIOS_OPTION, off,
                        "HIPAA keeps data in US regions: node '%s' has data_residency '%s' in workspace '%s' (compliance_mode '%s'); use 'US' or 'US-...'",
                        node_name, r, ws_name, mode);
    else if (r && gdpr && area && !within(r, area))
        rc = hl_err_set(c->err, HELIOS_OPTION, off,
                        "GDPR keeps data in the workspace's region: node '%s' has data_residency '%s', outside '%s', the data_residency of workspace '%s'",
                        node_name, r, area, ws_name);
    free(mode);
    free(area);
    free(r);
    return rc;
}

int hl_x_register_node(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    int rc = hl_x_resolve_ws(c, &st->workspace, &ws);
    char *json = NULL;
    if (rc == HELIOS_OK) {
        long long max = hl_x_ws_int(&ws, "max_nodes", 0);
        long long have = hl_cat_count(c->db, HL_CAT_NODE, ws.id);
        if (max > 0 && have >= max)
            rc = hl_err_set(c->err, HELIOS_ERROR, st->name.off,
                            "federated workspace '%s' already has %lld nodes, its max_nodes",
                            ws.name, have);
    }
    if (rc == HELIOS_OK) {
        json = hl_opt_check(HL_OBJ_NODE, &st->opts, NULL, c->err);
        rc = json ? HELIOS_OK : c->err->code;
    }
    if (rc == HELIOS_OK)
        rc = hl_x_residency(c, ws.name, ws.options, st->name.s, json,
                            hl_x_opt_value_off(st, "data_residency"));
    if (rc == HELIOS_OK)
        rc = at(c->err, hl_cat_create(c->db, HL_CAT_NODE, ws.id, st->name.s, json, NULL, NULL, c->err),
                st->name.off);
    if (rc == HELIOS_OK) {
        hl_x_audit(c, HL_CAT_NODE, st->name.s, ws.name, json);
        json = NULL;
    }
    free(json);
    hl_cat_obj_clear(&ws);
    return rc;
}

/* The data_filter of each of the st->count nodes of REGISTER FEDERATED
 * NODES (engine/partition.c has the functions they call).  COLUMN: one node
 * per distinct non-NULL value, so the count must match. */
static int partition_filters(Ctx *c, char ***out, int *nout)
{
    const HlStmt *st = c->st;
    int n = (int)st->count;
    char **f = calloc((size_t)n, sizeof *f);
    long long seed = st->seed.kind == HL_V_INT ? (long long)st->seed.i : 0;
    int rc = HELIOS_OK;
    if (!f)
        return hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
    if (st->partition == HL_PART_COLUMN) {
        sqlite3_stmt *q = NULL;
        char *sql = sqlite3_mprintf("SELECT DISTINCT \"%w\" FROM \"%w\" WHERE \"%w\" IS NOT NULL "
                                    "ORDER BY 1 LIMIT %d", st->part_column.s, st->table.s,
                                    st->part_column.s, n + 1);
        int k = 0;
        if (sql && sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) == SQLITE_OK) {
            while (sqlite3_step(q) == SQLITE_ROW && k <= n) {
                if (k < n) {
                    sqlite3_value *v = sqlite3_column_value(q, 0);
                    int t = sqlite3_value_type(v);
                    f[k] = t == SQLITE_INTEGER
                        ? sqlite3_mprintf("\"%w\" = %lld", st->part_column.s, sqlite3_value_int64(v))
                        : t == SQLITE_FLOAT
                        ? sqlite3_mprintf("\"%w\" = %!.17g", st->part_column.s, sqlite3_value_double(v))
                        : sqlite3_mprintf("\"%w\" = %Q", st->part_column.s, sqlite3_value_text(v));
                }
                k++;
            }
        } else
            rc = hl_err_set(c->err, HELIOS_ERROR, st->part_column.off, "%s", sqlite3_errmsg(c->db));
        sqlite3_finalize(q);
        sqlite3_free(sql);
        if (rc == HELIOS_OK && k != n)
            rc = hl_err_set(c->err, HELIOS_OPTION, st->count_off,
                            "PARTITION BY COLUMN makes one node per value, and column '%s' of table '%s' has %s%d distinct values",
                            st->part_column.s, st->table.s, k > n ? "more than " : "", k > n ? n : k);
    } else {
        for (int k = 0; k < n; k++)
            f[k] = st->partition == HL_PART_DIRICHLET
                ? sqlite3_mprintf("hl_partition_dirichlet(%lld, %d, %!.17g, \"%w\", rowid) = %d",
                                  seed, n, st->alpha.r, st->part_column.s, k)
                : sqlite3_mprintf("hl_partition_iid(%lld, %d, rowid) = %d", seed, n, k);
    }
    for (int k = 0; rc == HELIOS_OK && k < n; k++)
        if (!f[k])
            rc = hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
    if (rc != HELIOS_OK) {
        for (int k = 0; k < n; k++)
            sqlite3_free(f[k]);
        free(f);
        return rc;
    }
    *out = f;
    *nout = n;
    return HELIOS_OK;
}

int hl_x_register_nodes(Ctx *c)
{
    const HlStmt *st = c->st;
    HlCatObj ws = {0};
    int rc = hl_x_resolve_ws(c, &st->workspace, &ws);
    if (rc == HELIOS_OK) {
        long long max = hl_x_ws_int(&ws, "max_nodes", 0);
        long long have = hl_cat_count(c->db, HL_CAT_NODE, ws.id);
        if (max > 0 && have + st->count > max)
            rc = hl_err_set(c->err, HELIOS_ERROR, st->count_off,
                            "federated workspace '%s' has %lld nodes; %lld more would pass its max_nodes (%lld)",
                            ws.name, have, (long long)st->count, max);
    }
    if (rc == HELIOS_OK) {
        /* The table and the partition column must exist in this database. */
        sqlite3_stmt *q = NULL;
        char *sql = sqlite3_mprintf("SELECT * FROM \"%w\" LIMIT 0", st->table.s);
        if (!sql || sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK)
            rc = hl_err_set(c->err, HELIOS_NOTFOUND, st->table.off, "table '%s' does not exist",
                            st->table.s);
        else if (st->part_column.s) {
            int found = 0;
            for (int i = 0; i < sqlite3_column_count(q); i++)
                found |= strcasecmp(sqlite3_column_name(q, i), st->part_column.s) == 0;
            if (!found)
                rc = hl_err_set(c->err, HELIOS_NOTFOUND, st->part_column.off,
                                "table '%s' has no column '%s'", st->table.s, st->part_column.s);
        }
        sqlite3_finalize(q);
        sqlite3_free(sql);
    }
    char **filters = NULL;
    int nf = 0;
    if (rc == HELIOS_OK)
        rc = partition_filters(c, &filters, &nf);
    char *base = NULL;
    if (rc == HELIOS_OK) {
        base = hl_opt_check(HL_OBJ_NODE, &st->opts, NULL, c->err);
        if (!base)
            rc = c->err->code;
        else if (strstr(base, "\"data_filter\""))
            rc = hl_err_set(c->err, HELIOS_OPTION, hl_x_opt_value_off(st, "data_filter"),
                            "PARTITION BY sets each node's data_filter; leave it out");
        else
            rc = hl_x_residency(c, ws.name, ws.options, st->table.s, base,
                                hl_x_opt_value_off(st, "data_residency"));
    }
    /* Node k: <table>_<k>, endpoint 'local', its share as data_filter. */
    for (int k = 0; rc == HELIOS_OK && k < nf; k++) {
        char name[300];
        snprintf(name, sizeof name, "%.250s_%d", st->table.s, k + 1);
        char *filter = hl_json_quote(filters[k]);
        char *json = filter ? sqlite3_mprintf("{\"endpoint\":\"local\",\"data_filter\":%s%s%s",
                                              filter, strcmp(base, "{}") ? "," : "",
                                              strcmp(base, "{}") ? base + 1 : "}")
                            : NULL;
        if (!json)
            rc = hl_err_set(c->err, HELIOS_NOMEM, -1, "out of memory");
        else
            rc = at(c->err, hl_cat_create(c->db, HL_CAT_NODE, ws.id, name, json, NULL, NULL, c->err),
                    st->count_off);
        sqlite3_free(json);
        free(filter);
    }
    if (rc == HELIOS_OK) {
        char *table = hl_json_quote(st->table.s);
        char *detail = table ? sqlite3_mprintf("{\"count\":%lld,\"table\":%s,\"partition\":%d}",
                                               (long long)st->count, table, (int)st->partition)
                             : NULL;
        hl_x_audit(c, HL_CAT_NODE, st->table.s, ws.name, detail ? strdup(detail) : NULL);
        sqlite3_free(detail);
        free(table);
    }
    for (int k = 0; k < nf; k++)
        sqlite3_free(filters[k]);
    free(filters);
    free(base);
    hl_cat_obj_clear(&ws);
    return rc;
}

static int get_node(Ctx *c, HlCatObj *ws, HlCatObj *node)
{
    int rc = hl_x_resolve_ws(c, &c->st->workspace, ws);
    if (rc == HELIOS_OK)
        rc = at(c->err, hl_cat_get(c->db, HL_CAT_NODE, ws->id, c->st->name.s, node, c->err),
                c->st->name.off);
    return rc;
}

int hl_x_deregister_node(Ctx *c)
{
    HlCatObj ws = {0}, node = {0};
    int rc = get_node(c, &ws, &node);
    if (rc == HELIOS_NOTFOUND && c->st->if_exists && ws.id) {
        hl_err_clear(c->err);
        hl_x_notice(c, "federated node '%s' does not exist in workspace '%s', skipping",
                    c->st->name.s, ws.name);
        rc = HELIOS_OK;
    } else if (rc == HELIOS_OK) {
        rc = hl_cat_drop(c->db, HL_CAT_NODE, node.id, 0, c->err);
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_NODE, c->st->name.s, ws.name, NULL);
        }
    }
    hl_cat_obj_clear(&ws);
    hl_cat_obj_clear(&node);
    return rc;
}

int hl_x_alter_node(Ctx *c)
{
    HlCatObj ws = {0}, node = {0};
    int rc = get_node(c, &ws, &node);
    if (rc == HELIOS_OK) {
        char *json = hl_opt_check(HL_OBJ_NODE, &c->st->opts, node.options, c->err);
        if (json && hl_x_residency(c, ws.name, ws.options, c->st->name.s, json,
                                   hl_x_opt_value_off(c->st, "data_residency")) != HELIOS_OK) {
            free(json);
            json = NULL;
        }
        rc = json ? hl_cat_set_options(c->db, HL_CAT_NODE, node.id, json, c->err) : c->err->code;
        if (rc == HELIOS_OK) {
            hl_x_audit(c, HL_CAT_NODE, c->st->name.s, ws.name, json);
        } else
            free(json);
    }
    hl_cat_obj_clear(&ws);
    hl_cat_obj_clear(&node);
    return rc;
}
