/*
 * evaluate.c - federated_evaluate(): a trained version measured on the
 * nodes' held-out rows, or on a table of this database; see
 * hl_engine_evaluate() in engine.h.
 *
 * It sets the nodes up as training did (same encoding plan, seed and
 * validation split, so the same rows are held out), has each evaluate the
 * version's parameters, and merges their counts (engine/eval.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "eval.h"
#include "helios.h"
#include "json.h"
#include "local_node.h"
#include "runs.h"

/* Writes one summary as JSON members into w (NaN -> null). */
static void summary_members(HlJsonWriter *w, const HlEvalSummary *s, HlTask task)
{
    const struct { const char *k; double v; int regression; } f[] = {
        {"rows", s->n, 2}, {"loss", s->loss, 2}, {"accuracy", s->accuracy, 0},
        {"precision", s->precision, 0}, {"recall", s->recall, 0}, {"f1_score", s->f1, 0},
        {"roc_auc", s->roc_auc, 0}, {"rmse", s->rmse, 1}, {"mae", s->mae, 1}, {"r2", s->r2, 1},
    };
    int regression = task == HL_TASK_REGRESSION;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (f[i].regression != 2 && f[i].regression != regression)
            continue;
        hl_json_key(w, f[i].k);
        if (isfinite(f[i].v))
            hl_json_real(w, f[i].v);
        else
            hl_json_null(w);
    }
}

int hl_engine_evaluate(HlEngine *e, sqlite3 *db, int64_t model_id, int64_t ws_id,
                       const char *table, char **json_out, hl_err *err)
{
    HlCatVersion v = {0};
    HlCatRun run = {0};
    HlEncoding enc;
    HlRun r;
    HlMsg *resp = NULL;
    double *acc = NULL, *one = NULL;
    memset(&enc, 0, sizeof enc);
    memset(&r, 0, sizeof r);
    r.e = e;
    *json_out = NULL;
    int rc = hl_cat_version_get(db, model_id, 0, NULL, &v, err);
    if (rc == HELIOS_OK && (!v.plan || !v.spec || !v.params))
        rc = hl_err_set(err, HELIOS_ERROR, -1, "version %lld has no parameters to evaluate",
                        (long long)v.version);
    if (rc == HELIOS_OK)
        rc = hl_enc_parse(v.plan, &enc, err);
    if (rc == HELIOS_OK)
        rc = hl_plan_train_parse(v.spec, &r.tp, err);
    if (rc == HELIOS_OK && !(r.train_config = strdup(v.spec)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    /* The held-out rows of training: the same seed and split as the run. */
    double split = 0;
    char *source = NULL;
    if (rc == HELIOS_OK && !table && v.run_id > 0) {
        if (hl_cat_run_get(db, v.run_id, &run, err) == HELIOS_OK) {
            r.seed = (uint64_t)hl_eng_opt_num(HL_OBJ_MODEL, run.options, "seed", 0);
            split = hl_eng_opt_num(HL_OBJ_MODEL, run.options, "validation_split", 0);
            source = hl_eng_opt_str(HL_OBJ_MODEL, run.options, "source");
        } else
            hl_err_clear(err);      /* without the run: all rows, no split */
    }
    if (rc == HELIOS_OK) {
        if (table) {
            r.nodes = calloc(1, sizeof *r.nodes);
            if (!r.nodes)
                rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
            else if (!(r.nodes[0] = hl_local_node_new(0, table, e->uri, NULL, err)))
                rc = err->code ? err->code : HELIOS_NOMEM;
            else
                r.nnodes = 1;
        } else
            rc = hl_eng_open_nodes(&r, db, ws_id, err);
    }
    if (rc == HELIOS_OK && r.nnodes == 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1, "the model's workspace has no nodes to evaluate on");
    if (rc == HELIOS_OK && !(resp = calloc((size_t)r.nnodes, sizeof *resp)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    char *plan = rc == HELIOS_OK ? hl_enc_to_json(&enc) : NULL;
    if (rc == HELIOS_OK && !plan)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK) {
        HlMsg req;
        memset(&req, 0, sizeof req);
        req.type = HL_MSG_SETUP;
        req.source = table ? (char *)table : source;
        req.encoding = plan;
        req.seed = r.seed;
        req.validation_split = split;
        rc = hl_eng_ask_all(&r, &req, resp, err);
        for (int i = 0; rc == HELIOS_OK && i < r.nnodes; i++)
            r.has_valid |= resp[i].rows_valid > 0;
    }
    int size = hl_eval_size(r.tp.spec.task, r.tp.spec.nclass);
    if (rc == HELIOS_OK && (!(acc = calloc((size_t)size, sizeof *acc))
                            || !(one = calloc((size_t)size, sizeof *one))))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    hl_json_key(&w, "per_node");
    hl_json_begin_object(&w);
    for (int i = 0; rc == HELIOS_OK && i < r.nnodes; i++) {
        HlMsg req, out;
        memset(&req, 0, sizeof req);
        memset(&out, 0, sizeof out);
        req.type = HL_MSG_EVAL;
        req.train_config = r.train_config;
        req.params = v.params;
        req.nparams = (int)v.nparams;
        /* held-out rows when training kept some, else all of them */
        req.eval_split = r.has_valid ? 1 : 2;
        rc = r.nodes[i]->ops->exchange(r.nodes[i], &req, &out, err);
        if (rc == HELIOS_OK && out.nmetrics == size) {
            HlEvalSummary s;
            hl_eval_merge(acc, out.metrics, size);
            hl_eval_summarize(r.tp.spec.task, r.tp.spec.nclass, out.metrics, &s);
            hl_json_key(&w, r.nodes[i]->name);
            hl_json_begin_object(&w);
            summary_members(&w, &s, r.tp.spec.task);
            hl_json_end_object(&w);
        }
        hl_msg_clear(&out);
    }
    hl_json_end_object(&w);
    if (rc == HELIOS_OK) {
        HlEvalSummary s;
        hl_eval_summarize(r.tp.spec.task, r.tp.spec.nclass, acc, &s);
        hl_json_key(&w, "metrics");
        hl_json_begin_object(&w);
        summary_members(&w, &s, r.tp.spec.task);
        hl_json_end_object(&w);
        hl_json_key(&w, "rows_are");
        hl_json_string(&w, table ? "the table" : r.has_valid ? "held out" : "all");
        hl_json_key(&w, "version");
        hl_json_int(&w, v.version);
    }
    hl_json_end_object(&w);
    if (rc == HELIOS_OK && !(*json_out = hl_json_writer_finish(&w)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    hl_json_writer_clear(&w);
    for (int i = 0; resp && i < r.nnodes; i++)
        hl_msg_clear(&resp[i]);
    free(resp);
    free(acc);
    free(one);
    free(plan);
    free(source);
    for (int i = 0; i < r.nnodes; i++)
        if (r.nodes[i])
            r.nodes[i]->ops->close(r.nodes[i]);
    free(r.nodes);
    free(r.train_config);
    hl_enc_clear(&enc);
    hl_cat_run_clear(&run);
    hl_cat_version_clear(&v);
    return rc;
}
