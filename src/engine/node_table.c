/*
 * node_table.c - which table of a local node's database a request means;
 * see node_table.h.
 */
#include "node_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "helios.h"

void hl_node_table_clear(HlNodeTable *t)
{
    for (int i = 0; t->decl && i < t->ncols; i++)
        free(t->decl[i]);
    free(t->decl);
    free(t->name);
    memset(t, 0, sizeof *t);
}

static void free_strings(char **s, int n)
{
    for (int i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

/* ---- finding the table ---------------------------------------------------------- */

/* The tables and views of the database (not sqlite_*), by name. */
static int list_tables(sqlite3 *db, const HlNode *node, char ***names, int **views, int *n,
                       hl_err *err)
{
    sqlite3_stmt *st = NULL;
    int cap = 0, rc;
    *names = NULL;
    *views = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, type = 'view' FROM sqlite_master WHERE type IN ('table', 'view')"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
                           " AND name NOT LIKE 'hl\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return HELIOS_ERROR;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            int ncap = cap ? 2 * cap : 8;
            char **nn = realloc(*names, (size_t)ncap * sizeof *nn);
            int *nv = nn ? realloc(*views, (size_t)ncap * sizeof *nv) : NULL;
            if (nn)
                *names = nn;
            if (nv)
                *views = nv;
            if (!nn || !nv)
                break;
            cap = ncap;
        }
        if (!((*names)[*n] = strdup((const char *)sqlite3_column_text(st, 0))))
            break;
        (*views)[(*n)++] = sqlite3_column_int(st, 1);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return HELIOS_OK;
    if (rc == SQLITE_ROW)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
}

/* How many of cols[0..n) table `name` lacks (matched case-insensitively,
 * as SQL does), their names quoted into missing; decl (when not NULL)
 * receives the declared types of the others.  -1 when out of memory. */
static int table_lacks(sqlite3 *db, const char *name, const char *const *cols, int n,
                       char **decl, char *missing, size_t msize)
{
    sqlite3_stmt *st = NULL;
    int lack = 0;
    char *found = calloc((size_t)(n > 0 ? n : 1), 1);
    if (!found)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT name, type FROM pragma_table_info(?1)", -1, &st, NULL)
        != SQLITE_OK) {
        free(found);
        return -1;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 0);
        const char *type = (const char *)sqlite3_column_text(st, 1);
        for (int i = 0; col && i < n; i++) {
            if (!found[i] && strcasecmp(col, cols[i]) == 0) {
                found[i] = 1;
                if (decl)
                    decl[i] = strdup(type ? type : "");
            }
        }
    }
    sqlite3_finalize(st);
    if (missing && msize)
        missing[0] = 0;
    for (int i = 0; i < n; i++) {
        if (found[i])
            continue;
        if (missing) {
            size_t len = strlen(missing);
            snprintf(missing + len, msize - len, "%s'%s'", lack ? ", " : "", cols[i]);
        }
        lack++;
    }
    free(found);
    return lack;
}

static int find_name(char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return i;
    return -1;
}

static void join_names(char *buf, size_t size, char *const *names, int n)
{
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s'%s'", i ? ", " : "", names[i]);
    }
    if (n == 0)
        snprintf(buf, size, "none");
}

static int resolve_source(sqlite3 *db, const HlNode *node, const char *source,
                          const char *const *cols, int ncols, char **names, int *views,
                          int ntables, HlNodeTable *t, hl_err *err)
{
    char missing[256], list[256];
    int k = find_name(names, ntables, source), lack;
    if (k < 0) {
        join_names(list, sizeof list, names, ntables);
        return hl_err_set(err, HELIOS_NOTFOUND, -1, "node '%s' has no table '%s' (tables: %s)",
                          node->name, source, list);
    }
    lack = table_lacks(db, names[k], cols, ncols, t->decl, missing, sizeof missing);
    if (lack < 0)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (lack > 0)
        return hl_err_set(err, HELIOS_NOTFOUND, -1, "table '%s' at node '%s' has no column%s %s",
                          names[k], node->name, lack > 1 ? "s" : "", missing);
    t->is_view = views[k];
    return (t->name = strdup(names[k])) ? HELIOS_OK
                                        : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
}

static int resolve_any(sqlite3 *db, const HlNode *node, const char *const *cols, int ncols,
                       char **names, int *views, int ntables, HlNodeTable *t,
                       hl_err *err)
{
    char why[384] = "", missing[128], collist[160], list[256];
    char **fit = calloc((size_t)(ntables > 0 ? ntables : 1), sizeof *fit);
    int nfit = 0, rc = HELIOS_OK, idx = -1;
    if (!fit)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; i < ntables; i++) {
        int lack = table_lacks(db, names[i], cols, ncols, NULL, missing, sizeof missing);
        if (lack < 0) {
            free(fit);
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        }
        if (lack == 0) {
            fit[nfit++] = names[i];
            idx = i;
        } else {
            size_t len = strlen(why);
            snprintf(why + len, sizeof why - len, "%s'%s' lacks %s", len ? "; " : "", names[i],
                     missing);
        }
    }
    join_names(collist, sizeof collist, (char *const *)cols, ncols);
    if (nfit == 0)
        rc = hl_err_set(err, HELIOS_NOTFOUND, -1,
                        "no table at node '%s' has all of the columns %s (%s)", node->name,
                        collist, ntables ? why : "the database has no tables");
    else if (nfit > 1) {
        join_names(list, sizeof list, fit, nfit);
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "several tables at node '%s' have all of the columns %s: %s; set the model's source option",
                        node->name, collist, list);
    }
    free(fit);
    if (rc != HELIOS_OK)
        return rc;
    return resolve_source(db, node, names[idx], cols, ncols, names, views, ntables, t, err);
}

int hl_node_table_find(sqlite3 *db, const HlNode *node, const char *source,
                       const char *const *cols, int ncols, HlNodeTable *t, hl_err *err)
{
    char **names;
    int *views, ntables, rc;
    memset(t, 0, sizeof *t);
    if (ncols < 1)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': no columns requested", node->name);
    if (!(t->decl = calloc((size_t)ncols, sizeof *t->decl)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    t->ncols = ncols;
    rc = list_tables(db, node, &names, &views, &ntables, err);
    if (rc == HELIOS_OK)
        rc = source && *source
                 ? resolve_source(db, node, source, cols, ncols, names, views, ntables, t, err)
                 : resolve_any(db, node, cols, ncols, names, views, ntables, t, err);
    free_strings(names, ntables);
    free(views);
    if (rc != HELIOS_OK)
        hl_node_table_clear(t);
    return rc;
}
