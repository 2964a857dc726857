/*
 * training.c - the SQL functions that use trained models and the engine:
 *
 *   federated_predict(m, name => value, ...)   the current version of m on
 *       one row: the probability of the positive class (binary), the label
 *       (multiclass) or the value (regression); features in any order, a
 *       missing or unknown one is an error that names it;
 *   wait_for_convergence(m [, timeout_seconds => n])   blocks until m's
 *       training ends (or the timeout), and says how it ended: 'completed',
 *       'converged', 'stopped', 'failed: ...', or 'running' on timeout.
 *
 * They replace the "not implemented yet" versions of functions.c.  The
 * front end has turned `name => value` into 'name', value.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog.h"
#include "encode.h"
#include "engine.h"
#include "internal.h"
#include "plan.h"
#include "runs.h"
#include "sqlfn.h"

static void fail(sqlite3_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(sqlite3_context *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sqlite3_result_error(ctx, msg, -1);
}

/* The model named by argv[0]; 0 and an error set on ctx when none. */
static int model_of(sqlite3_context *ctx, helios *h, const char *fn, sqlite3_value *arg,
                    HlCatObj *m)
{
    const char *name = (const char *)sqlite3_value_text(arg);
    hl_err err;
    hl_err_clear(&err);
    if (!name) {
        fail(ctx, "%s(): the first argument is the model's name", fn);
        return 0;
    }
    if (hl_cat_get(h->db, HL_CAT_MODEL, 0, name, m, &err) != HELIOS_OK) {
        fail(ctx, "%s", err.msg);
        return 0;
    }
    return 1;
}

/* The features of a JSON object, as values of a one-row query *q (which the
 * caller finalizes): vals[i] for feature i.  Unknown keys and missing
 * features are errors, as for name => value arguments. */
static int json_features(sqlite3_context *ctx, helios *h, const HlCatObj *m,
                         const HlEncoding *enc, const char *json, sqlite3_value **vals,
                         sqlite3_stmt **q)
{
    sqlite3_stmt *kq = NULL;
    int ok = 1;
    if (sqlite3_prepare_v2(h->db, "SELECT key FROM json_each(?1)", -1, &kq, NULL) != SQLITE_OK) {
        fail(ctx, "federated_predict(): %s", sqlite3_errmsg(h->db));
        return 0;
    }
    sqlite3_bind_text(kq, 1, json, -1, SQLITE_STATIC);
    int s;
    while (ok && (s = sqlite3_step(kq)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(kq, 0);
        int f = -1;
        for (int k = 0; k < enc->nfeat && f < 0; k++)
            if (key && strcasecmp(enc->f[k].name, key) == 0)
                f = k;
        if (f < 0) {
            fail(ctx, "federated_predict(): '%s' is not a feature of model '%s'",
                 key ? key : "", m->name);
            ok = 0;
        }
    }
    if (ok && s != SQLITE_DONE) {
        fail(ctx, "federated_predict(): the features are not a JSON object: %s",
             sqlite3_errmsg(h->db));
        ok = 0;
    }
    sqlite3_finalize(kq);
    if (!ok)
        return 0;
    /* SELECT json_extract(?1, '$."f1"'), ... : typed values, in feature order */
    sqlite3_str *sql = sqlite3_str_new(h->db);
    sqlite3_str_appendall(sql, "SELECT ");
    for (int k = 0; k < enc->nfeat; k++)
        sqlite3_str_appendf(sql, "%sjson_extract(?1, '$.\"%w\"'), json_type(?1, '$.\"%w\"')",
                            k ? ", " : "", enc->f[k].name, enc->f[k].name);
    char *text = sqlite3_str_finish(sql);
    if (!text || sqlite3_prepare_v2(h->db, text, -1, q, NULL) != SQLITE_OK) {
        fail(ctx, "federated_predict(): %s", text ? sqlite3_errmsg(h->db) : "out of memory");
        sqlite3_free(text);
        return 0;
    }
    sqlite3_free(text);
    sqlite3_bind_text(*q, 1, json, -1, SQLITE_STATIC);
    if (sqlite3_step(*q) != SQLITE_ROW) {
        fail(ctx, "federated_predict(): %s", sqlite3_errmsg(h->db));
        return 0;
    }
    for (int k = 0; k < enc->nfeat; k++) {
        if (sqlite3_column_type(*q, 2 * k + 1) == SQLITE_NULL) {     /* no such key */
            fail(ctx, "federated_predict(): feature '%s' of model '%s' is missing", enc->f[k].name,
                 m->name);
            return 0;
        }
        vals[k] = sqlite3_column_value(*q, 2 * k);
    }
    return 1;
}

static void fn_predict(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    helios *h = sqlite3_user_data(ctx);
    HlCatObj m = {0};
    HlCatVersion v = {0};
    HlEncoding enc;
    HlTrainPlan tp;
    hl_err err;
    sqlite3_value **vals = NULL;
    double *x = NULL, *out = NULL;
    sqlite3_stmt *jq = NULL;
    memset(&enc, 0, sizeof enc);
    hl_err_clear(&err);
    /* federated_predict(m, '{"name": value, ...}'): the features as one JSON
     * object, for models with more features than SQL takes arguments. */
    const char *json = argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_TEXT
                       && sqlite3_value_text(argv[1])[0] == '{'
                       ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    if ((!json && !hl_sqlfn_check_args(ctx, "federated_predict", argc, argv))
        || !model_of(ctx, h, "federated_predict", argv[0], &m))
        return;
    if (hl_cat_version_get(h->db, m.id, 0, NULL, &v, &err) != HELIOS_OK) {
        fail(ctx, "federated_predict(): %s", err.msg);
        goto done;
    }
    if (!v.plan || !v.spec || !v.params || hl_enc_parse(v.plan, &enc, &err) != HELIOS_OK
        || hl_plan_train_parse(v.spec, &tp, &err) != HELIOS_OK || (int)v.nparams != tp.nparams) {
        fail(ctx, "federated_predict(): version %lld of model '%s' cannot be read%s%s",
             (long long)v.version, m.name, err.code ? ": " : "", err.msg);
        goto done;
    }
    vals = calloc((size_t)(enc.nfeat ? enc.nfeat : 1), sizeof *vals);
    x = calloc((size_t)(enc.d ? enc.d : 1), sizeof *x);
    out = calloc((size_t)(enc.nlabels > 1 ? enc.nlabels : 1), sizeof *out);
    if (!vals || !x || !out) {
        sqlite3_result_error_nomem(ctx);
        goto done;
    }
    if (json && !json_features(ctx, h, &m, &enc, json, vals, &jq))
        goto done;
    for (int i = 1; !json && i < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        int arg = 2 + (i - 1) / 2;      /* as the user wrote it: name => value is one */
        if (sqlite3_value_type(argv[i]) != SQLITE_TEXT || !name) {
            fail(ctx, "federated_predict(): argument %d must be name => value", arg);
            goto done;
        }
        if (i + 1 >= argc) {
            fail(ctx, "federated_predict(): argument %d ('%s') has no value", arg, name);
            goto done;
        }
        int f = -1;
        for (int k = 0; k < enc.nfeat && f < 0; k++)
            if (strcasecmp(enc.f[k].name, name) == 0)
                f = k;
        if (f < 0) {
            char list[256] = "";
            for (int k = 0; k < enc.nfeat; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "",
                         enc.f[k].name);
            fail(ctx, "federated_predict(): '%s' is not a feature of model '%s' (its features: %s)",
                 name, m.name, list);
            goto done;
        }
        if (vals[f]) {
            fail(ctx, "federated_predict(): argument %d repeats '%s'", arg, name);
            goto done;
        }
        vals[f] = argv[i + 1];
    }
    for (int k = 0; k < enc.nfeat; k++)
        if (!vals[k]) {
            fail(ctx, "federated_predict(): feature '%s' of model '%s' is missing (write %s => value)",
                 enc.f[k].name, m.name, enc.f[k].name);
            goto done;
        }
    hl_enc_row(&enc, vals, x);
    tp.ops->predict(&tp.spec, v.params, x, out);
    if (enc.task == HL_TASK_MULTICLASS) {
        int best = 0;
        for (int c = 1; c < enc.nlabels; c++)
            if (out[c] > out[best])
                best = c;
        sqlite3_result_text(ctx, enc.labels[best], -1, SQLITE_TRANSIENT);
    } else
        sqlite3_result_double(ctx, out[0]);
done:
    sqlite3_finalize(jq);
    free(vals);
    free(x);
    free(out);
    hl_enc_clear(&enc);
    hl_cat_version_clear(&v);
    hl_cat_obj_clear(&m);
}

static void fn_wait(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    helios *h = sqlite3_user_data(ctx);
    HlCatObj m = {0};
    double timeout = -1;
    if (!hl_sqlfn_check_args(ctx, "wait_for_convergence", argc, argv))
        return;
    for (int i = 1; i + 1 < argc; i += 2)     /* the only name: timeout_seconds */
        timeout = sqlite3_value_double(argv[i + 1]);
    if (!model_of(ctx, h, "wait_for_convergence", argv[0], &m))
        return;
    char status[256];
    /* In slices, so that helios_cancel() (Ctrl-C) ends the wait. */
    double waited = 0;
    int ended = 0;
    for (;;) {
        double slice = timeout < 0 || timeout - waited > 0.1 ? 0.1 : timeout - waited;
        ended = hl_engine_wait(h->engine, m.id, slice, status, sizeof status);
        waited += slice;
        if (ended || (timeout >= 0 && waited >= timeout))
            break;
        if (h->cancel) {
            fail(ctx, "wait_for_convergence(): interrupted; the training goes on");
            hl_cat_obj_clear(&m);
            return;
        }
    }
    if (!ended)
        sqlite3_result_text(ctx, "running", -1, SQLITE_STATIC);
    else if (status[0])
        sqlite3_result_text(ctx, status, -1, SQLITE_TRANSIENT);
    else {
        /* Trained by another process, or never: the catalog says which. */
        HlCatRun run = {0};
        hl_err err;
        hl_err_clear(&err);
        if (hl_cat_run_latest(h->db, m.id, &run, &err) == HELIOS_OK)
            sqlite3_result_text(ctx, hl_cat_run_status_name(run.status), -1, SQLITE_STATIC);
        else
            fail(ctx, "wait_for_convergence(): %s", err.msg);
        hl_cat_run_clear(&run);
    }
    hl_cat_obj_clear(&m);
}

/* A version named by a number or a tag. */
static int version_of(sqlite3_context *ctx, helios *h, const HlCatObj *m, sqlite3_value *v,
                      HlCatVersion *out)
{
    hl_err err;
    hl_err_clear(&err);
    int t = sqlite3_value_type(v);
    int rc = t == SQLITE_INTEGER
        ? hl_cat_version_get(h->db, m->id, sqlite3_value_int64(v), NULL, out, &err)
        : hl_cat_version_get(h->db, m->id, 0, (const char *)sqlite3_value_text(v), out, &err);
    if (rc != HELIOS_OK)
        fail(ctx, "compare_federated_models(): %s", err.msg);
    return rc == HELIOS_OK;
}

/* compare_federated_models(m, version_a => a, version_b => b): a JSON
 * object with both versions' stored metrics, their differences (b - a)
 * and the Euclidean distance between their parameter vectors. */
static void fn_compare(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    helios *h = sqlite3_user_data(ctx);
    HlCatObj m = {0};
    HlCatVersion a = {0}, b = {0};
    sqlite3_value *va = NULL, *vb = NULL;
    if (!hl_sqlfn_check_args(ctx, "compare_federated_models", argc, argv)
        || !model_of(ctx, h, "compare_federated_models", argv[0], &m))
        return;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[i]);
        if (strcasecmp(name, "version_a") == 0)
            va = argv[i + 1];
        else
            vb = argv[i + 1];
    }
    if (version_of(ctx, h, &m, va, &a) && version_of(ctx, h, &m, vb, &b)) {
        double dist = NAN;
        if (a.params && b.params && a.nparams == b.nparams) {
            double s = 0;
            for (size_t k = 0; k < a.nparams; k++)
                s += (b.params[k] - a.params[k]) * (b.params[k] - a.params[k]);
            dist = sqrt(s);
        }
        char *json = sqlite3_mprintf(
            "{\"version_a\":%lld,\"version_b\":%lld,\"metrics_a\":%s,\"metrics_b\":%s}",
            (long long)a.version, (long long)b.version,
            a.metrics ? a.metrics : "{}", b.metrics ? b.metrics : "{}");
        sqlite3_stmt *q = NULL;
        const char *sql =
            "SELECT json_set(?1, '$.parameter_distance', ?2, "
            "'$.loss_delta', json_extract(?1, '$.metrics_b.loss') - json_extract(?1, '$.metrics_a.loss'), "
            "'$.accuracy_delta', json_extract(?1, '$.metrics_b.accuracy') - json_extract(?1, '$.metrics_a.accuracy'))";
        if (json && sqlite3_prepare_v2(h->db, sql, -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, json, -1, SQLITE_STATIC);
            if (isfinite(dist))
                sqlite3_bind_double(q, 2, dist);
            else
                sqlite3_bind_null(q, 2);
            if (sqlite3_step(q) == SQLITE_ROW)
                sqlite3_result_text(ctx, (const char *)sqlite3_column_text(q, 0), -1,
                                    SQLITE_TRANSIENT);
            else
                fail(ctx, "compare_federated_models(): %s", sqlite3_errmsg(h->db));
        } else
            fail(ctx, "compare_federated_models(): %s", json ? sqlite3_errmsg(h->db) : "out of memory");
        sqlite3_finalize(q);
        sqlite3_free(json);
    }
    hl_cat_version_clear(&a);
    hl_cat_version_clear(&b);
    hl_cat_obj_clear(&m);
}

/* hl_evaluate(model, table or NULL): the JSON behind federated_evaluate
 * (storage/views.c turns it into rows). */
static void evaluate(sqlite3_context *ctx, sqlite3_value *model, const char *table)
{
    helios *h = sqlite3_user_data(ctx);
    HlCatObj m = {0};
    if (!model_of(ctx, h, "federated_evaluate", model, &m))
        return;
    char *json = NULL;
    hl_err err;
    hl_err_clear(&err);
    if (hl_engine_evaluate(h->engine, h->db, m.id, m.ws_id, table, &json, &err) != HELIOS_OK)
        fail(ctx, "federated_evaluate(): %s", err.msg);
    else
        sqlite3_result_text(ctx, json, -1, free);
    hl_cat_obj_clear(&m);
}

static void fn_evaluate(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    evaluate(ctx, argv[0], (const char *)sqlite3_value_text(argv[1]));
}

/* federated_evaluate(m): on the nodes' held-out rows. */
static void fn_evaluate1(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    evaluate(ctx, argv[0], NULL);
}

/* hl_data_quality(model): the JSON behind federated_data_quality_check
 * (storage/views.c turns it into rows); engine.h, hl_engine_quality(). */
static void fn_quality(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    helios *h = sqlite3_user_data(ctx);
    HlCatObj m = {0};
    (void)argc;
    if (!model_of(ctx, h, "federated_data_quality_check", argv[0], &m))
        return;
    char *json = NULL;
    hl_err err;
    hl_err_clear(&err);
    if (hl_engine_quality(h->engine, h->db, m.ws_id, m.name, m.options, &json, &err) != HELIOS_OK)
        fail(ctx, "federated_data_quality_check(): %s", err.msg);
    else
        sqlite3_result_text(ctx, json, -1, free);
    hl_cat_obj_clear(&m);
}

int hl_sqlfn_register_training(sqlite3 *db, helios *h)
{
    int rc = sqlite3_create_function_v2(db, "federated_predict", -1, SQLITE_UTF8, h, fn_predict,
                                        NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "wait_for_convergence", -1, SQLITE_UTF8, h, fn_wait,
                                        NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "compare_federated_models", -1, SQLITE_UTF8, h,
                                        fn_compare, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "hl_evaluate", 2, SQLITE_UTF8, h, fn_evaluate,
                                        NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "hl_data_quality", 1, SQLITE_UTF8, h, fn_quality,
                                        NULL, NULL, NULL);
    /* SELECT federated_data_quality_check('m'): the JSON array, one
     * element a node (FROM federated_data_quality_check('m'): rows). */
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "federated_data_quality_check", 1, SQLITE_UTF8, h,
                                        fn_quality, NULL, NULL, NULL);
    /* SELECT federated_evaluate('m'): the same numbers as one JSON value
     * (FROM federated_evaluate('m') gives them as rows). */
    for (int n = 1; rc == SQLITE_OK && n <= 2; n++)
        rc = sqlite3_create_function_v2(db, "federated_evaluate", n, SQLITE_UTF8, h,
                                        n == 1 ? fn_evaluate1 : fn_evaluate, NULL, NULL, NULL);
    return rc;
}
