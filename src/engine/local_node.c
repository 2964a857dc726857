/*
 * local_node.c - see local_node.h: an in-process node over its own SQLite
 * data.  The phases are one function each (node_schema, node_stats,
 * node_setup, node_train, node_eval; QUALITY's in quality.c); what they
 * share is finding the table (node_table.c) and building its queries
 * (local_query.h).
 */
#include "partition.h"
#include "local_node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "dp/mech.h"
#include "secagg/secagg.h"
#include "encode.h"
#include "eval.h"
#include "helios.h"
#include "local_query.h"
#include "node_table.h"
#include "plan.h"
#include "rng.h"
#include "train.h"

typedef struct Local {
    char *db_path;
    char *filter;               /* NULL: every row */
    /* SETUP's encoded rows: [0, ntrain) training, [ntrain, n) validation */
    double *x, *y;
    int n, ntrain, d;
    int ready;
    /* secure aggregation: the protocol's state for the run, and this
     * round's update, given only masked */
    HlSecAggClient *sa;
    double *sa_x;
    int sa_dim;
    /* a compressed update's error feedback (update_codec.h): what earlier
     * rounds did not deliver; from SETUP (a new run) on */
    double *ef;
    int ef_p;
} Local;

/* ---- the connection and its queries ----------------------------------------- */

static int open_db(const HlNode *node, sqlite3 **db, hl_err *err)
{
    const Local *l = node->impl;
    int rc = sqlite3_open_v2(l->db_path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        hl_err_set(err, HELIOS_IO, -1, "node '%s': cannot open database '%s': %s", node->name,
                   l->db_path, *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close(*db);
        *db = NULL;
        return HELIOS_IO;
    }
    sqlite3_busy_timeout(*db, 5000);
    /* data_filter of nodes made by REGISTER FEDERATED NODES ... PARTITION BY */
    if (hl_partition_register(*db) != SQLITE_OK) {
        hl_err_set(err, HELIOS_NOMEM, -1, "node '%s': out of memory", node->name);
        sqlite3_close(*db);
        *db = NULL;
        return HELIOS_NOMEM;
    }
    return HELIOS_OK;
}

/* Prepares the text of s (which it frees); NULL and *err on failure. */
sqlite3_stmt *hl_lnode_prepare(sqlite3 *db, const HlNode *node, sqlite3_str *s, hl_err *err)
{
    char *sql = sqlite3_str_finish(s);
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (!sql) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK)
        hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    else if (tail && tail[strspn(tail, " \t\r\n;")]) {
        /* only a data_filter can smuggle a second statement in */
        hl_err_set(err, HELIOS_ERROR, -1, "node '%s': data_filter is not one SQL condition",
                   node->name);
        sqlite3_finalize(st);
        st = NULL;
    }
    sqlite3_free(sql);
    return st;
}

/* Appends ` FROM "table" WHERE (filter) AND "col" IS NOT NULL ...` for the
 * NULL-terminated list of columns that must not be NULL. */
void hl_lnode_from_where(sqlite3_str *s, const HlNode *node, const HlNodeTable *t,
                         const char *nn1, const char *nn2)
{
    const Local *l = node->impl;
    const char *sep = " WHERE ";
    sqlite3_str_appendf(s, " FROM \"%w\"", t->name);
    if (l->filter && *l->filter) {
        sqlite3_str_appendf(s, "%s(%s)", sep, l->filter);
        sep = " AND ";
    }
    if (nn1) {
        sqlite3_str_appendf(s, "%s\"%w\" IS NOT NULL", sep, nn1);
        sep = " AND ";
    }
    if (nn2)
        sqlite3_str_appendf(s, "%s\"%w\" IS NOT NULL", sep, nn2);
}

/* ---- SCHEMA ------------------------------------------------------------------------ */

/* A column without values: its declared type decides (SQLite's affinity
 * rules, section 3.1 of "Datatypes In SQLite"). */
static HlColKind declared_kind(const char *decl)
{
    char up[64];
    size_t i;
    for (i = 0; decl && decl[i] && i < sizeof up - 1; i++)
        up[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
    up[i] = 0;
    if (strstr(up, "INT"))
        return HL_COL_NUMERIC;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT") || strstr(up, "BLOB"))
        return HL_COL_TEXT;
    return HL_COL_NUMERIC;
}

/* kinds, nonnull (count of non-NULL values) and rows of every column. */
int hl_lnode_scan_kinds(sqlite3 *db, const HlNode *node, const HlNodeTable *t,
                        const char *const *cols, int ncols, HlMsg *resp, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    int rc;
    sqlite3_str_appendall(s, "SELECT count(*)");
    for (int i = 0; i < ncols; i++)
        sqlite3_str_appendf(s, ", count(\"%w\"), total(typeof(\"%w\") IN ('text', 'blob'))",
                            cols[i], cols[i]);
    hl_lnode_from_where(s, node, t, NULL, NULL);
    if (!(st = hl_lnode_prepare(db, node, s, err)))
        return err->code;
    resp->kinds = calloc((size_t)ncols, sizeof *resp->kinds);
    resp->nonnull = calloc((size_t)ncols, sizeof *resp->nonnull);
    resp->nvocab = ncols;
    if (!resp->kinds || !resp->nonnull) {
        sqlite3_finalize(st);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        resp->rows = sqlite3_column_int64(st, 0);
        for (int i = 0; i < ncols; i++) {
            resp->nonnull[i] = sqlite3_column_int64(st, 1 + 2 * i);
            if (resp->nonnull[i] == 0)
                resp->kinds[i] = declared_kind(t->decl[i]);
            else
                resp->kinds[i] = sqlite3_column_double(st, 2 + 2 * i) > 0 ? HL_COL_TEXT
                                                                           : HL_COL_NUMERIC;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    return HELIOS_OK;
}

static int node_schema(HlNode *node, sqlite3 *db, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    HlNodeTable t;
    const char *const *cols = (const char *const *)req->columns;
    int rc = hl_node_table_find(db, node, req->source, cols, req->ncolumns, &t, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_lnode_scan_kinds(db, node, &t, cols, req->ncolumns, resp, err);
    if (rc == HELIOS_OK) {
        resp->table = t.name;
        t.name = NULL;
    }
    hl_node_table_clear(&t);
    return rc;
}

/* ---- STATS -------------------------------------------------------------------------- */

/* Neumaier's (1974) compensated sum. */
typedef struct Sum {
    double s, c;
} Sum;

static void sum_add(Sum *a, double x)
{
    double t = a->s + x;
    if (fabs(a->s) >= fabs(x))
        a->c += (a->s - t) + x;
    else
        a->c += (x - t) + a->s;
    a->s = t;
}

typedef struct Value {
    char *value;
    int64_t count;
} Value;

static int cmp_value(const void *a, const void *b)
{
    return strcmp(((const Value *)a)->value, ((const Value *)b)->value);
}

static int cmp_freq(const void *a, const void *b)
{
    const Value *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->value, y->value);
}

/* Merges equal texts (1, 1.0 and '1' are one value), keeps the `cap`
 * most frequent, and moves the result into *out sorted by value. */
static int counts_finish(Value *v, int n, int cap, HlCounts *out)
{
    int u = 0;
    if (n > 1)    /* qsort(NULL, 0) is undefined */
        qsort(v, (size_t)n, sizeof *v, cmp_value);
    for (int i = 0; i < n; i++) {
        if (u > 0 && strcmp(v[u - 1].value, v[i].value) == 0) {
            v[u - 1].count += v[i].count;
            free(v[i].value);
        } else
            v[u++] = v[i];
    }
    if (u > cap) {
        qsort(v, (size_t)u, sizeof *v, cmp_freq);
        for (int i = cap; i < u; i++)
            free(v[i].value);
        u = cap;
        out->more = 1;
        qsort(v, (size_t)u, sizeof *v, cmp_value);
    }
    out->values = malloc((size_t)(u > 0 ? u : 1) * sizeof *out->values);
    out->counts = malloc((size_t)(u > 0 ? u : 1) * sizeof *out->counts);
    if (!out->values || !out->counts) {
        for (int i = 0; i < u; i++)
            free(v[i].value);
        free(out->values);
        free(out->counts);
        out->values = NULL;
        out->counts = NULL;
        return -1;
    }
    for (int i = 0; i < u; i++) {
        out->values[i] = v[i].value;
        out->counts[i] = v[i].count;
    }
    out->n = u;
    return 0;
}

/* The value counts of column col over the rows whose target is not NULL. */
static int value_counts(sqlite3 *db, const HlNode *node, const HlNodeTable *t, const char *col,
                        const char *target, int cap, HlCounts *out, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    Value *v = NULL;
    int n = 0, vcap = 0, rc;
    char buf[64];
    sqlite3_str_appendf(s, "SELECT \"%w\", count(*)", col);
    hl_lnode_from_where(s, node, t, target, col);
    sqlite3_str_appendf(s, " GROUP BY 1");
    if (!(st = hl_lnode_prepare(db, node, s, err)))
        return err->code;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *text = hl_enc_value_text(sqlite3_column_value(st, 0), buf, sizeof buf);
        if (n == vcap) {
            Value *nv = realloc(v, (size_t)(vcap = vcap ? 2 * vcap : 64) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        if (!(v[n].value = strdup(text ? text : "")))
            break;
        v[n++].count = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || counts_finish(v, n, cap, out) != 0) {
        if (rc == SQLITE_DONE)
            n = 0;      /* counts_finish freed them */
        for (int i = 0; i < n; i++)
            free(v[i].value);
        free(v);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    }
    free(v);
    return HELIOS_OK;
}

/* nonnull, sums and sums of squares of the numeric columns; nonnull of
 * the others; rows and rows_skipped. */
static int scan_sums(sqlite3 *db, const HlNode *node, const HlNodeTable *t,
                     const char *const *cols, int ncols, HlMsg *resp, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    Sum *sum = calloc((size_t)ncols * 2, sizeof *sum);
    int rc;
    if (!sum) {
        sqlite3_str_finish(s);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    sqlite3_str_appendf(s, "SELECT \"%w\" IS NULL", cols[ncols - 1]);
    for (int i = 0; i < ncols; i++)
        sqlite3_str_appendf(s, ", \"%w\"", cols[i]);
    hl_lnode_from_where(s, node, t, NULL, NULL);
    if (!(st = hl_lnode_prepare(db, node, s, err))) {
        free(sum);
        return err->code;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        resp->rows++;
        if (sqlite3_column_int(st, 0)) {
            resp->rows_skipped++;
            continue;
        }
        for (int i = 0; i < ncols; i++) {
            sqlite3_value *v = sqlite3_column_value(st, 1 + i);
            double x;
            if (resp->kinds[i] == HL_COL_TEXT) {
                resp->nonnull[i] += sqlite3_value_type(v) != SQLITE_NULL;
            } else if (hl_enc_value_number(v, &x)) {
                resp->nonnull[i]++;
                sum_add(&sum[2 * i], x);
                sum_add(&sum[2 * i + 1], x * x);
            }
        }
    }
    sqlite3_finalize(st);
    for (int i = 0; i < ncols; i++) {
        resp->sums[i] = sum[2 * i].s + sum[2 * i].c;
        resp->sumsq[i] = sum[2 * i + 1].s + sum[2 * i + 1].c;
    }
    free(sum);
    if (rc != SQLITE_DONE)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    return HELIOS_OK;
}

static int node_stats(HlNode *node, sqlite3 *db, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    HlNodeTable t;
    const char *const *cols = (const char *const *)req->columns;
    int n = req->ncolumns, rc = hl_node_table_find(db, node, req->source, cols, n, &t, err);
    if (rc != HELIOS_OK)
        return rc;
    if (req->kinds) {
        if (!(resp->kinds = malloc((size_t)n * sizeof *resp->kinds)))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        else
            memcpy(resp->kinds, req->kinds, (size_t)n * sizeof *resp->kinds);
    } else
        rc = hl_lnode_scan_kinds(db, node, &t, cols, n, resp, err);
    free(resp->nonnull);
    resp->rows = 0;
    resp->nvocab = n;
    resp->nonnull = calloc((size_t)n, sizeof *resp->nonnull);
    resp->sums = calloc((size_t)n, sizeof *resp->sums);
    resp->sumsq = calloc((size_t)n, sizeof *resp->sumsq);
    resp->vocab = calloc((size_t)n, sizeof *resp->vocab);
    if (rc == HELIOS_OK && (!resp->nonnull || !resp->sums || !resp->sumsq || !resp->vocab))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = scan_sums(db, node, &t, cols, n, resp, err);
    for (int i = 0; rc == HELIOS_OK && i < n; i++) {
        int target = i == n - 1;
        if (target || resp->kinds[i] == HL_COL_TEXT)
            rc = value_counts(db, node, &t, cols[i], cols[n - 1],
                              target ? HL_STATS_MAX_LABELS : HL_STATS_MAX_VALUES,
                              &resp->vocab[i], err);
    }
    hl_node_table_clear(&t);
    return rc;
}

/* ---- SETUP ------------------------------------------------------------------------------ */

static void local_drop_rows(Local *l)
{
    free(l->x);
    free(l->y);
    free(l->ef);
    l->x = l->y = l->ef = NULL;
    l->ef_p = 0;
    l->n = l->ntrain = l->d = 0;
    l->ready = 0;
}

static int64_t count_rows(sqlite3 *db, const HlNode *node, const HlNodeTable *t, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    int64_t n = -1;
    sqlite3_str_appendall(s, "SELECT count(*)");
    hl_lnode_from_where(s, node, t, NULL, NULL);
    if (!(st = hl_lnode_prepare(db, node, s, err)))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    else
        hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return n;
}

/* Reverses the order of rows [from, to) of x (d wide) and y in place. */
static void reverse_rows(double *x, double *y, int d, int from, int to)
{
    for (int a = from, b = to - 1; a < b; a++, b--) {
        double t = y[a];
        y[a] = y[b];
        y[b] = t;
        for (int j = 0; j < d; j++) {
            t = x[(size_t)a * d + j];
            x[(size_t)a * d + j] = x[(size_t)b * d + j];
            x[(size_t)b * d + j] = t;
        }
    }
}

/* Reads, encodes and splits the rows.  Training rows fill the buffers from
 * the front, validation rows from the back (in reverse), so no second copy
 * is ever needed; the back block is then turned round and moved down. */
static int load_rows(sqlite3 *db, const HlNode *node, const HlNodeTable *t, const HlEncoding *e,
                     const HlMsg *req, int64_t cap, HlMsg *resp, hl_err *err)
{
    Local *l = node->impl;
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    sqlite3_value *vals[1];
    sqlite3_value **row = e->nfeat > 1 ? malloc((size_t)e->nfeat * sizeof *row) : vals;
    int d = e->d, ntrain = 0, nvalid = 0, rc;
    HlRng rng;
    hl_rng_seed(&rng, req->seed, 0, (uint64_t)node->id, HL_RNG_SPLIT);
    l->x = malloc((size_t)(cap > 0 ? cap : 1) * (size_t)(d > 0 ? d : 1) * sizeof *l->x);
    l->y = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *l->y);
    if (!row || !l->x || !l->y) {
        sqlite3_str_finish(s);
        if (row != vals)
            free(row);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    sqlite3_str_appendf(s, "SELECT \"%w\"", e->target);
    for (int i = 0; i < e->nfeat; i++)
        sqlite3_str_appendf(s, ", \"%w\"", e->f[i].name);
    hl_lnode_from_where(s, node, t, NULL, NULL);
    if (!t->is_view)
        sqlite3_str_appendall(s, " ORDER BY rowid");
    if (!(st = hl_lnode_prepare(db, node, s, err))) {
        if (row != vals)
            free(row);
        return err->code;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && ntrain + nvalid < cap) {
        int valid = hl_rng_uniform(&rng) < req->validation_split;
        int r = valid ? (int)(cap - 1 - nvalid) : ntrain;
        resp->rows++;
        if (hl_enc_target(e, sqlite3_column_value(st, 0), &l->y[r]) != 0) {
            resp->rows_skipped++;
            continue;
        }
        for (int i = 0; i < e->nfeat; i++)
            row[i] = sqlite3_column_value(st, 1 + i);
        hl_enc_row(e, row, l->x + (size_t)r * d);
        valid ? nvalid++ : ntrain++;
    }
    sqlite3_finalize(st);
    if (row != vals)
        free(row);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    reverse_rows(l->x, l->y, d, (int)(cap - nvalid), (int)cap);
    memmove(l->x + (size_t)ntrain * d, l->x + (size_t)(cap - nvalid) * d,
            (size_t)nvalid * d * sizeof *l->x);
    memmove(l->y + ntrain, l->y + (cap - nvalid), (size_t)nvalid * sizeof *l->y);
    l->n = ntrain + nvalid;
    l->ntrain = ntrain;
    l->d = d;
    if (l->n < cap) {   /* give back what skipped rows held */
        double *nx = realloc(l->x, (size_t)(l->n > 0 ? l->n : 1) * (d > 0 ? d : 1) * sizeof *nx);
        double *ny = realloc(l->y, (size_t)(l->n > 0 ? l->n : 1) * sizeof *ny);
        if (nx)
            l->x = nx;
        if (ny)
            l->y = ny;
    }
    return HELIOS_OK;
}

static int node_setup(HlNode *node, sqlite3 *db, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    Local *l = node->impl;
    HlEncoding e;
    HlNodeTable t;
    char **cols;
    int64_t cap;
    int rc = hl_enc_parse(req->encoding, &e, err);
    if (rc != HELIOS_OK)
        return rc;
    local_drop_rows(l);
    if (!(cols = malloc((size_t)(e.nfeat + 1) * sizeof *cols))) {
        hl_enc_clear(&e);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    for (int i = 0; i < e.nfeat; i++)
        cols[i] = e.f[i].name;
    cols[e.nfeat] = e.target;
    rc = hl_node_table_find(db, node, req->source, (const char *const *)cols, e.nfeat + 1, &t, err);
    free(cols);
    if (rc == HELIOS_OK) {
        /* one read transaction: the count and the rows see the same data */
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        cap = count_rows(db, node, &t, err);
        if (cap < 0)
            rc = err->code;
        else if (cap > INT32_MAX / 2)
            rc = hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %lld rows is more than a node holds",
                            node->name, (long long)cap);
        else
            rc = load_rows(db, node, &t, &e, req, cap, resp, err);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        hl_node_table_clear(&t);
    }
    hl_enc_clear(&e);
    if (rc != HELIOS_OK) {
        local_drop_rows(l);
        resp->rows = resp->rows_skipped = 0;
        return rc;
    }
    l->ready = 1;
    resp->rows_train = l->ntrain;
    resp->rows_valid = l->n - l->ntrain;
    return HELIOS_OK;
}

/* ---- TRAIN and EVAL ------------------------------------------------------------------- */

static int ready_plan(const HlNode *node, const HlMsg *req, HlTrainPlan *tp, hl_err *err)
{
    const Local *l = node->impl;
    int rc;
    if (!l->ready)
        return hl_err_set(err, HELIOS_MISUSE, -1, "node '%s' has no data set up (SETUP first)",
                          node->name);
    if ((rc = hl_plan_train_parse(req->train_config, tp, err)) != HELIOS_OK)
        return rc;
    if (tp->spec.d != l->d)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "node '%s': the model reads %d encoded features, the data has %d",
                          node->name, tp->spec.d, l->d);
    if (req->nparams != tp->nparams || !req->params)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %d parameters sent, the model has %d",
                          node->name, req->nparams, tp->nparams);
    return HELIOS_OK;
}

/* Secure aggregation: the update is kept here and the response carries no
 * parameters.  Weighted: [w delta, w] with w = rows x weight_scale;
 * node-level DP adds the adaptive-clipping report and, when the noise is
 * distributed, this node's share of it. */
static int keep_update(HlNode *node, const HlTrainPlan *tp, const HlMsg *req, HlMsg *resp,
                       hl_err *err)
{
    Local *l = node->impl;
    int p = tp->nparams, dim = p + 1 + (tp->dp_level == 2);
    double *x = calloc((size_t)dim, sizeof *x);
    if (!x)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    double w = req->weight_scale > 0 ? (double)l->ntrain * req->weight_scale : 1.0;
    if (tp->dp_level == 2)          /* node-level DP: over the round's clip, norm <= 1 */
        w = 1.0 / (req->clip > 0 ? req->clip : tp->dp_clip);
    for (int j = 0; resp->params && j < p; j++)
        x[j] = w * (resp->params[j] - req->params[j]);
    x[p] = tp->dp_level == 2 ? 1.0 : w;
    if (tp->dp_level == 2)
        x[p + 1] = resp->dp_report;
    if (tp->dp_level == 2 && req->dp_shares > 0) {
        uint64_t secret;
        if (RAND_bytes((unsigned char *)&secret, sizeof secret) != 1) {
            free(x);
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "node '%s': no secure random numbers for differential privacy",
                              node->name);
        }
        HlRng nr;
        hl_rng_seed(&nr, secret, (uint64_t)req->round, (uint64_t)node->id, HL_RNG_INIT);
        /* shares of dp_shares nodes add up to the noise the sum needs
         * (dp/mech.h: distributed DP) */
        hl_dp_add_noise_share(tp->dp_mechanism, x, p, req->dp_noise, req->dp_shares, &nr);
        hl_dp_add_noise_share(HL_DP_GAUSSIAN, x + p + 1, 1, req->dp_count_noise,
                              req->dp_shares, &nr);
    }
    free(l->sa_x);
    l->sa_x = x;
    l->sa_dim = dim;
    free(resp->params);
    resp->params = NULL;
    resp->nparams = 0;
    return HELIOS_OK;
}

static int node_secagg(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    Local *l = node->impl;
    if (hl_secagg_message_round(req->blob, req->blob_len) == HL_SECAGG_SETUP_ADVERTISE) {
        hl_secagg_client_free(l->sa);     /* a new session: a new run */
        l->sa = NULL;
    }
    if (!l->sa && !(l->sa = hl_secagg_client_new()))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int rc = hl_secagg_client_handle(l->sa, req->blob, req->blob_len, l->sa_x, l->sa_dim,
                                     &resp->blob, &resp->blob_len, err);
    if (rc != HELIOS_OK && strncmp(err->msg, "node '", 6) != 0)
        hl_err_prefix(err, 0, "node '%s': ", node->name);
    return rc;
}

/* A compressed update: params - global coded (update_codec.h) in place of
 * params, with this node's error feedback; the rounding draws from the
 * (seed, round, node, QUANT) stream, so a remote node codes exactly as an
 * in-process one. */
static int code_update(HlNode *node, const HlTrainPlan *tp, const HlMsg *req, HlMsg *resp,
                       hl_err *err)
{
    Local *l = node->impl;
    int p = tp->nparams;
    if (l->ef_p != p) {
        free(l->ef);
        l->ef_p = 0;
        if (!(l->ef = calloc((size_t)(p ? p : 1), sizeof *l->ef)))
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        l->ef_p = p;
    }
    for (int j = 0; j < p; j++)
        resp->params[j] -= req->params[j];
    HlRng qr;
    hl_rng_seed(&qr, req->seed, (uint64_t)req->round, (uint64_t)node->id, HL_RNG_QUANT);
    HlUpdateCode c;
    int rc = hl_update_encode(resp->params, p, &tp->codec, l->ef, &qr, &c, err);
    if (rc == HELIOS_OK)
        rc = hl_update_code_pack(&c, &resp->update_idx, &resp->update_idx_len,
                                 &resp->update_values, &resp->update_values_len, err);
    if (rc == HELIOS_OK) {
        resp->update_bits = c.bits;
        resp->update_p = p;
        resp->update_scale = c.scale;
        free(resp->params);
        resp->params = NULL;
        resp->nparams = 0;
    } else
        hl_err_prefix(err, 0, "node '%s': ", node->name);
    hl_update_code_clear(&c);
    return rc;
}

static int eval_into(const HlNode *node, const HlTrainPlan *tp, const HlMsg *req, HlMsg *resp,
                     hl_err *err);

static int node_train(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    const Local *l = node->impl;
    HlTrainPlan tp;
    HlTrainResult res = { 0 };
    HlDataset ds;
    HlRng rng;
    int rc = ready_plan(node, req, &tp, err);
    if (rc == HELIOS_OK && req->eval_first)    /* the global model evaluated first */
        rc = eval_into(node, &tp, req, resp, err);
    if (rc != HELIOS_OK)
        return rc;
    if (!(resp->params = malloc((size_t)(tp.nparams > 0 ? tp.nparams : 1) * sizeof *resp->params)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    memcpy(resp->params, req->params, (size_t)tp.nparams * sizeof *resp->params);
    resp->nparams = tp.nparams;
    resp->rows_train = l->ntrain;
    if (l->ntrain == 0) {   /* nothing to learn from: the global model, weight 0 */
        if (tp.compress && !tp.secure)
            return code_update(node, &tp, req, resp, err);
        return tp.secure ? keep_update(node, &tp, req, resp, err) : HELIOS_OK;
    }
    ds = (HlDataset){ .n = l->ntrain, .d = l->d, .x = l->x, .y = l->y };
    uint64_t seed = req->seed;
    if (tp.dp_level) {
        /* DP noise the coordinator could replay from the model's seed would
         * protect nothing: mix in a secret of this node's. */
        uint64_t secret;
        if (RAND_bytes((unsigned char *)&secret, sizeof secret) != 1)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "node '%s': no secure random numbers for differential privacy",
                              node->name);
        seed ^= secret;
        if (tp.dp_level == 1 && req->clip > 0)
            tp.cfg.dp.clip = req->clip;
    }
    hl_rng_seed(&rng, seed, (uint64_t)req->round, (uint64_t)node->id, HL_RNG_SHUFFLE);
    if (hl_train_local(tp.ops, &tp.spec, &tp.cfg, &ds, req->params, resp->params, &rng, &res) != 0)
        return hl_err_set(err, HELIOS_NOMEM, -1, "node '%s': local training failed (out of memory)",
                          node->name);
    if (tp.dp_level == 2) {
        /* DP-FedAvg: the update, not the model, is bounded. */
        double clip = req->clip > 0 ? req->clip : tp.dp_clip;
        for (int j = 0; j < tp.nparams; j++)
            resp->params[j] -= req->params[j];
        double norm = hl_dp_clip(tp.dp_mechanism, resp->params, tp.nparams, clip);
        for (int j = 0; j < tp.nparams; j++)
            resp->params[j] += req->params[j];
        resp->dp_report = hl_dp_adaptive_report(norm, clip);
    } else if (tp.dp_level == 1)
        resp->dp_clip = res.clip;
    resp->loss_before = res.loss_before;
    resp->loss_after = res.loss_after;
    resp->steps = res.steps;
    if (tp.compress && !tp.secure)
        return code_update(node, &tp, req, resp, err);
    return tp.secure ? keep_update(node, &tp, req, resp, err) : HELIOS_OK;
}

/* The evaluation counts of params over the rows of eval_split into
 * resp->metrics (EVAL, and TRAIN with eval_first). */
static int eval_into(const HlNode *node, const HlTrainPlan *tp, const HlMsg *req, HlMsg *resp,
                     hl_err *err)
{
    const Local *l = node->impl;
    HlDataset ds;
    int size = hl_eval_size(tp->spec.task, tp->spec.nclass);
    int from = req->eval_split == 1 ? l->ntrain : 0;
    int to = req->eval_split == 0 ? l->ntrain : l->n;
    if (req->eval_split < 0 || req->eval_split > 2)
        return hl_err_set(err, HELIOS_MISUSE, -1, "node '%s': eval_split %d (0, 1 or 2 expected)",
                          node->name, req->eval_split);
    if (!(resp->metrics = calloc((size_t)size, sizeof *resp->metrics)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    resp->nmetrics = size;
    ds = (HlDataset){ .n = to - from, .d = l->d, .x = l->x + (size_t)from * l->d, .y = l->y + from };
    if (hl_eval_accumulate(tp->ops, &tp->spec, req->params, &ds, NULL, 0, resp->metrics) != 0)
        return hl_err_set(err, HELIOS_NOMEM, -1, "node '%s': evaluation failed (out of memory)",
                          node->name);
    if (req->type == HL_MSG_EVAL)
        resp->rows = to - from;
    return HELIOS_OK;
}

static int node_eval(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    HlTrainPlan tp;
    int rc = ready_plan(node, req, &tp, err);
    return rc == HELIOS_OK ? eval_into(node, &tp, req, resp, err) : rc;
}

/* ---- the node ------------------------------------------------------------------------- */

/* The tensor bytes of a message: metrics (8 a value), and parameters (8 a
 * value) or, in their place, a code (its indices and values, and its scale
 * when quantized: a coded update, or the global model coded for a node
 * that holds the previous one). */
static int64_t payload(const HlMsg *m)
{
    int64_t model = m->update_bits ? (int64_t)(m->update_idx_len + m->update_values_len)
                                     + (m->update_bits < 32 ? 8 : 0)
                                   : (int64_t)m->nparams * 8;
    return model + (int64_t)m->nmetrics * 8;
}

static int local_exchange(HlNode *node, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    sqlite3 *db = NULL;
    int rc;
    resp->type = req->type;
    if (req->type == HL_MSG_TRAIN)
        rc = node_train(node, req, resp, err);
    else if (req->type == HL_MSG_EVAL)
        rc = node_eval(node, req, resp, err);
    else if (req->type == HL_MSG_SECAGG)
        rc = node_secagg(node, req, resp, err);
    else if (req->type == HL_MSG_SCHEMA || req->type == HL_MSG_STATS || req->type == HL_MSG_SETUP
             || req->type == HL_MSG_QUALITY) {
        if ((rc = open_db(node, &db, err)) == HELIOS_OK) {
            rc = req->type == HL_MSG_SCHEMA  ? node_schema(node, db, req, resp, err)
               : req->type == HL_MSG_STATS   ? node_stats(node, db, req, resp, err)
               : req->type == HL_MSG_QUALITY ? hl_node_quality(node, db, req, resp, err)
                                             : node_setup(node, db, req, resp, err);
            sqlite3_close(db);
        }
    } else
        rc = hl_err_set(err, HELIOS_MISUSE, -1, "node '%s': unknown message type %d", node->name,
                        (int)req->type);
    if (rc != HELIOS_OK) {
        hl_msg_clear(resp);
        resp->type = req->type;
    }
    /* what a remote node's messages would have carried (node.h) */
    resp->wire_sent = payload(req);
    resp->wire_received = payload(resp);
    return rc;
}

static void local_close(HlNode *node)
{
    Local *l;
    if (!node)
        return;
    l = node->impl;
    if (l) {
        local_drop_rows(l);
        hl_secagg_client_free(l->sa);
        free(l->sa_x);
        free(l->db_path);
        free(l->filter);
        free(l);
    }
    free(node->name);
    free(node);
}

const HlNodeOps hl_local_node_ops = { "local", local_exchange, local_close };

HlNode *hl_local_node_new(int64_t id, const char *name, const char *db_path,
                          const char *data_filter, hl_err *err)
{
    HlNode *node;
    Local *l;
    if (!db_path) {
        hl_err_set(err, HELIOS_MISUSE, -1, "node '%s': no database", name ? name : "?");
        return NULL;
    }
    node = calloc(1, sizeof *node);
    l = calloc(1, sizeof *l);
    if (node) {
        node->ops = &hl_local_node_ops;
        node->id = id;
        node->impl = l;
        node->name = strdup(name ? name : "");
    }
    if (l) {
        l->db_path = strdup(db_path);
        l->filter = data_filter && *data_filter ? strdup(data_filter) : NULL;
    }
    if (!node || !l || !node->name || !l->db_path || (data_filter && *data_filter && !l->filter)) {
        if (node)
            local_close(node);
        else if (l) {
            free(l->db_path);
            free(l->filter);
            free(l);
        }
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return NULL;
    }
    return node;
}
