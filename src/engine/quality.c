/*
 * quality.c - data quality: federated_data_quality_check(m).
 *
 * Two halves of one exchange (node.h, phase QUALITY):
 *   at the node (hl_node_quality, called by the local node, so that
 *   helios-node answers it too): per feature of the model, over the rows
 *   its data_filter lets it see, the count of non-NULL values, the NULLs,
 *   and for a numeric column mean, sample standard deviation (n - 1), min,
 *   max and the outliers by robust z-score; for a text column the number
 *   of distinct values.  Only these numbers leave the node;
 *   at the coordinator (hl_engine_quality): every node of the model's
 *   workspace is asked, and their answers become one JSON array.
 *
 * Outliers: the modified z-score M = 0.6745 (x - median) / MAD, where MAD
 * is the median of |x - median|; |M| > 3.5 is an outlier (Iglewicz and
 * Hoaglin 1993, "How to Detect and Handle Outliers", ASQC vol. 16).  When
 * more than half the values are equal MAD is 0 and M undefined; the mean
 * absolute deviation then stands in, scaled by sqrt(pi/2) ~ 1.2533 (for
 * normal data it estimates sigma as MAD / 0.6745 does): M = (x - median) /
 * (1.2533 meanAD).  When that is 0 too, every value is the median and none
 * is an outlier.
 *
 * What it does not promise: the node holds a column's non-NULL values in
 * memory while it computes their median (8 bytes a value); a column's
 * kind is the node's own (SCHEMA's rule), so two nodes may report one
 * feature as numeric and text.  A node that fails fails the query, naming
 * the node, as federated_evaluate() does.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "engine_int.h"
#include "helios.h"
#include "json.h"
#include "local_query.h"
#include "options.h"

/* ---- at the node -------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of n sorted values (n > 0). */
static double median_sorted(const double *v, int64_t n)
{
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The non-NULL values of column col, sorted, into *out (malloc'd; the
 * caller frees it) and their number into *n. */
static int column_values(sqlite3 *db, const HlNode *node, const HlNodeTable *t, const char *col,
                         double **out, int64_t *n, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    int64_t cap = 0;
    int rc;
    double *v = NULL;
    *n = 0;
    sqlite3_str_appendf(s, "SELECT \"%w\"", col);
    hl_lnode_from_where(s, node, t, col, NULL);
    if (!(st = hl_lnode_prepare(db, node, s, err)))
        return err->code;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        double x;
        if (!hl_enc_value_number(sqlite3_column_value(st, 0), &x))
            continue;       /* not in a numeric column (SCHEMA's rule) */
        if (*n == cap) {
            double *nv = realloc(v, (size_t)(cap = cap ? 2 * cap : 256) * sizeof *v);
            if (!nv)
                break;
            v = nv;
        }
        v[(*n)++] = x;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(v);
        *n = 0;
        if (rc == SQLITE_ROW)
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    }
    if (*n > 1)
        qsort(v, (size_t)*n, sizeof *v, cmp_double);
    *out = v;
    return HELIOS_OK;
}

/* How many of the n sorted values v are outliers (the header comment). */
static int64_t robust_outliers(const double *v, int64_t n, double *dev)
{
    double med = median_sorted(v, n), mean_ad = 0, scale;
    int64_t out = 0;
    for (int64_t i = 0; i < n; i++) {
        dev[i] = fabs(v[i] - med);
        mean_ad += dev[i];
    }
    mean_ad /= (double)n;
    qsort(dev, (size_t)n, sizeof *dev, cmp_double);
    double mad = median_sorted(dev, n);
    if (mad > 0)
        scale = mad / 0.6745;
    else if (mean_ad > 0)
        scale = 1.253314 * mean_ad;
    else
        return 0;
    for (int64_t i = 0; i < n; i++)
        out += fabs(v[i] - med) / scale > 3.5;
    return out;
}

/* Mean, std, min, max and outliers of numeric column col into q. */
static int numeric_stats(sqlite3 *db, const HlNode *node, const HlNodeTable *t, const char *col,
                         double *q, hl_err *err)
{
    double *v = NULL, *dev = NULL;
    int64_t n = 0;
    int rc = column_values(db, node, t, col, &v, &n, err);
    if (rc != HELIOS_OK || n == 0) {
        free(v);
        q[HL_Q_OUTLIERS] = 0;
        return rc;
    }
    if (!(dev = malloc((size_t)n * sizeof *dev))) {
        free(v);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    double sum = 0, ss = 0;
    for (int64_t i = 0; i < n; i++)
        sum += v[i];
    double mean = sum / (double)n;
    for (int64_t i = 0; i < n; i++)     /* two passes: no cancellation (Chan et al. 1983) */
        ss += (v[i] - mean) * (v[i] - mean);
    q[HL_Q_MEAN] = mean;
    q[HL_Q_STD] = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
    q[HL_Q_MIN] = v[0];
    q[HL_Q_MAX] = v[n - 1];
    q[HL_Q_OUTLIERS] = (double)robust_outliers(v, n, dev);
    free(v);
    free(dev);
    return HELIOS_OK;
}

/* The distinct non-NULL values of text column col into q. */
static int text_stats(sqlite3 *db, const HlNode *node, const HlNodeTable *t, const char *col,
                      double *q, hl_err *err)
{
    sqlite3_str *s = sqlite3_str_new(db);
    sqlite3_stmt *st;
    sqlite3_str_appendf(s, "SELECT count(DISTINCT \"%w\")", col);
    hl_lnode_from_where(s, node, t, NULL, NULL);
    if (!(st = hl_lnode_prepare(db, node, s, err)))
        return err->code;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        q[HL_Q_DISTINCT] = (double)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return hl_err_set(err, HELIOS_ERROR, -1, "node '%s': %s", node->name, sqlite3_errmsg(db));
    return HELIOS_OK;
}

int hl_node_quality(HlNode *node, sqlite3 *db, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    HlNodeTable t;
    const char *const *cols = (const char *const *)req->columns;
    int n = req->ncolumns, rc = hl_node_table_find(db, node, req->source, cols, n, &t, err);
    if (rc != HELIOS_OK)
        return rc;
    rc = hl_lnode_scan_kinds(db, node, &t, cols, n, resp, err);
    if (rc == HELIOS_OK
        && !(resp->quality = malloc((size_t)(n > 0 ? n : 1) * HL_QUALITY_NSTATS * sizeof(double))))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        resp->nquality = n * HL_QUALITY_NSTATS;
    for (int i = 0; rc == HELIOS_OK && i < n; i++) {
        double *q = &resp->quality[i * HL_QUALITY_NSTATS];
        for (int k = 0; k < HL_QUALITY_NSTATS; k++)
            q[k] = NAN;
        /* SCHEMA's kinds: every non-NULL value of a numeric column is one */
        q[HL_Q_MISSING] = (double)(resp->rows - resp->nonnull[i]);
        rc = resp->kinds[i] == HL_COL_NUMERIC ? numeric_stats(db, node, &t, cols[i], q, err)
                                              : text_stats(db, node, &t, cols[i], q, err);
    }
    if (rc == HELIOS_OK) {
        resp->table = t.name;
        t.name = NULL;
    }
    hl_node_table_clear(&t);
    return rc;
}

/* ---- at the coordinator ---------------------------------------------------------------- */

static void json_number(HlJsonWriter *w, const char *key, double v)
{
    hl_json_key(w, key);
    if (isfinite(v))
        hl_json_real(w, v);
    else
        hl_json_null(w);
}

/* A count carried as a double (node.h), written as an integer. */
static void json_count(HlJsonWriter *w, const char *key, double v)
{
    hl_json_key(w, key);
    if (isfinite(v) && v >= 0 && v < 9007199254740992.0)
        hl_json_int(w, (int64_t)v);
    else
        hl_json_null(w);
}

/* One node's answer m as an element of the result array. */
static void node_json(HlJsonWriter *w, const char *name, const HlMsg *m, char **cols)
{
    hl_json_begin_object(w);
    hl_json_key(w, "node_name");
    hl_json_string(w, name);
    hl_json_key(w, "feature_statistics");
    hl_json_begin_object(w);
    for (int i = 0; i < m->nvocab; i++) {
        const double *q = &m->quality[i * HL_QUALITY_NSTATS];
        hl_json_key(w, cols[i]);
        hl_json_begin_object(w);
        hl_json_key(w, "count");
        hl_json_int(w, m->nonnull[i]);
        if (m->kinds[i] == HL_COL_NUMERIC) {
            json_number(w, "mean", q[HL_Q_MEAN]);
            json_number(w, "std", q[HL_Q_STD]);
            json_number(w, "min", q[HL_Q_MIN]);
            json_number(w, "max", q[HL_Q_MAX]);
        } else
            json_count(w, "distinct", q[HL_Q_DISTINCT]);
        hl_json_end_object(w);
    }
    hl_json_end_object(w);
    hl_json_key(w, "missing_values");
    hl_json_begin_object(w);
    for (int i = 0; i < m->nvocab; i++)
        json_count(w, cols[i], m->quality[i * HL_QUALITY_NSTATS + HL_Q_MISSING]);
    hl_json_end_object(w);
    hl_json_key(w, "outliers");
    hl_json_begin_object(w);
    for (int i = 0; i < m->nvocab; i++)
        if (m->kinds[i] == HL_COL_NUMERIC)
            json_count(w, cols[i], m->quality[i * HL_QUALITY_NSTATS + HL_Q_OUTLIERS]);
    hl_json_end_object(w);
    hl_json_end_object(w);
}

/* A remote node's answer must have what node_json() reads. */
static int check_answer(const HlNode *n, const HlMsg *m, int ncol, hl_err *err)
{
    if (m->nvocab != ncol || !m->kinds || !m->nonnull || !m->quality
        || m->nquality != ncol * HL_QUALITY_NSTATS)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "node '%s': its QUALITY answer has %d columns and %d statistics (%d and %d expected)",
                          n->name, m->nvocab, m->nquality, ncol, ncol * HL_QUALITY_NSTATS);
    return HELIOS_OK;
}

int hl_engine_quality(HlEngine *e, sqlite3 *db, int64_t ws_id, const char *model,
                      const char *model_opts, char **json_out, hl_err *err)
{
    HlRun r;
    HlJsonValue fv;
    hl_err je;
    HlMsg *resp = NULL;
    char **cols = NULL;
    memset(&r, 0, sizeof r);
    memset(&fv, 0, sizeof fv);
    hl_err_clear(&je);
    r.e = e;
    r.model_opts = model_opts;
    *json_out = NULL;
    char *feats = hl_opt_get(HL_OBJ_MODEL, model_opts, "features");
    char *source = hl_eng_opt_str(HL_OBJ_MODEL, model_opts, "source");
    int rc = HELIOS_OK;
    if (!feats || hl_json_parse_value(feats, &fv, &je) != HELIOS_OK
        || fv.type != HL_JSON_ARRAY || fv.nitems == 0)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "federated model '%s' has no features; set them with ALTER FEDERATED MODEL %s SET (features = ['a', 'b'])",
                        model, model);
    if (rc == HELIOS_OK && !(cols = calloc((size_t)fv.nitems, sizeof *cols)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; rc == HELIOS_OK && i < fv.nitems; i++)
        if (!(cols[i] = fv.items[i].s))
            rc = hl_err_set(err, HELIOS_OPTION, -1, "feature %d of model '%s' is not a name",
                            i + 1, model);
    if (rc == HELIOS_OK)
        rc = hl_eng_open_nodes(&r, db, ws_id, err);
    if (rc == HELIOS_OK && r.nnodes == 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "the workspace of model '%s' has no nodes to check", model);
    if (rc == HELIOS_OK && !(resp = calloc((size_t)r.nnodes, sizeof *resp)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK) {
        HlMsg req;
        memset(&req, 0, sizeof req);
        req.type = HL_MSG_QUALITY;
        req.source = source;
        req.columns = cols;
        req.ncolumns = fv.nitems;
        rc = hl_eng_ask_all(&r, &req, resp, err);
    }
    for (int i = 0; rc == HELIOS_OK && i < r.nnodes; i++)
        rc = check_answer(r.nodes[i], &resp[i], fv.nitems, err);
    if (rc == HELIOS_OK) {
        HlJsonWriter w;
        hl_json_writer_init(&w);
        hl_json_begin_array(&w);
        for (int i = 0; i < r.nnodes; i++)
            node_json(&w, r.nodes[i]->name, &resp[i], cols);
        hl_json_end_array(&w);
        if (!(*json_out = hl_json_writer_finish(&w)))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        hl_json_writer_clear(&w);
    }
    for (int i = 0; resp && i < r.nnodes; i++)
        hl_msg_clear(&resp[i]);
    free(resp);
    for (int i = 0; i < r.nnodes; i++)
        if (r.nodes[i])
            r.nodes[i]->ops->close(r.nodes[i]);
    free(r.nodes);
    free(cols);
    hl_json_value_clear(&fv);
    free(feats);
    free(source);
    return rc;
}
