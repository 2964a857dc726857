/*
 * engine.c - training runs; see engine.h.
 *
 * A run owns its nodes (each holding its encoded rows), the global
 * parameters, the aggregator's state and a thread.  The thread touches the
 * catalog only through its own connection and only through storage/runs.h.
 */
#include "engine.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include "agg.h"
#include "catalog.h"
#include "clock.h"
#include "eval.h"
#include "helios.h"
#include "json.h"
#include "local_node.h"
#include "options.h"
#include "plan.h"
#include "rng.h"
#include "round.h"
#include "runs.h"

typedef struct HlRun {
    HlEngine *e;
    int64_t model_id, run_id;
    char *model;
    HlNode **nodes;
    int nnodes;
    HlTrainPlan tp;
    char *train_config;
    double *params, *state;
    int p;
    size_t nstate;
    const HlAggOps *agg;
    HlAggConfig aggcfg;
    int rounds, first_round, weighted, min_nodes, round_min, per_round, val_freq, early_stop;
    double fraction, threshold;
    int has_valid;
    uint64_t seed;
    atomic_int stop;
    int done;
    char outcome[256];          /* how it ended, for hl_engine_wait() */
    pthread_t thread;
    struct HlRun *next;
} HlRun;

/* The outcome of the model's most recent finished run, kept until the
 * engine is freed (runs are reaped, outcomes are not). */
typedef struct Outcome {
    int64_t model_id;
    char text[256];
    struct Outcome *next;
} Outcome;

struct HlEngine {
    char *uri;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    HlRun *runs;                /* running and finished-but-not-joined */
    struct Outcome *outcomes;
    void (*progress)(void *, const char *, int, int, double, double, double);
    void *progress_arg;
};

void hl_engine_set_progress(HlEngine *e, void (*fn)(void *, const char *, int, int, double,
                                                    double, double), void *arg)
{
    pthread_mutex_lock(&e->mu);
    e->progress = fn;
    e->progress_arg = arg;
    pthread_mutex_unlock(&e->mu);
}

/* ---- options ---------------------------------------------------------------- */

static double opt_num(HlObjKind k, const char *json, const char *name, double dflt)
{
    char *v = hl_opt_get(k, json, name);
    double r = v && strcmp(v, "null") != 0 ? strtod(v, NULL) : dflt;
    if (v && strcmp(v, "true") == 0)
        r = 1;
    else if (v && strcmp(v, "false") == 0)
        r = 0;
    free(v);
    return r;
}

/* A string option's value, unquoted (malloc'd), or NULL. */
static char *opt_str(HlObjKind k, const char *json, const char *name)
{
    char *v = hl_opt_get(k, json, name);
    if (!v || v[0] != '"') {
        free(v);
        return NULL;
    }
    HlJsonValue jv;
    hl_err e;
    hl_err_clear(&e);
    char *s = NULL;
    if (hl_json_parse_value(v, &jv, &e) == HELIOS_OK && jv.type == HL_JSON_STRING) {
        s = jv.s;
        jv.s = NULL;
    }
    hl_json_value_clear(&jv);
    free(v);
    return s;
}

/* ---- run lifetime ------------------------------------------------------------ */

static void run_free(HlRun *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->nnodes; i++)
        if (r->nodes[i])
            r->nodes[i]->ops->close(r->nodes[i]);
    free(r->nodes);
    free(r->model);
    free(r->train_config);
    free(r->params);
    free(r->state);
    free(r);
}

HlEngine *hl_engine_new(const char *db_uri)
{
    HlEngine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->uri = strdup(db_uri);
    if (!e->uri) {
        free(e);
        return NULL;
    }
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    return e;
}

/* Joins and frees the runs that have ended. */
static void reap(HlEngine *e, int all)
{
    for (;;) {
        HlRun *r = NULL;
        pthread_mutex_lock(&e->mu);
        for (HlRun **pp = &e->runs; *pp; pp = &(*pp)->next)
            if ((*pp)->done || all) {
                r = *pp;
                *pp = r->next;
                break;
            }
        pthread_mutex_unlock(&e->mu);
        if (!r)
            return;
        pthread_join(r->thread, NULL);
        run_free(r);
    }
}

void hl_engine_free(HlEngine *e)
{
    if (!e)
        return;
    reap(e, 1);                 /* joins every run: a script waits for its training */
    while (e->outcomes) {
        struct Outcome *o = e->outcomes;
        e->outcomes = o->next;
        free(o);
    }
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cv);
    free(e->uri);
    free(e);
}

static HlRun *find_running(HlEngine *e, int64_t model_id)
{
    for (HlRun *r = e->runs; r; r = r->next)
        if (r->model_id == model_id && !r->done)
            return r;
    return NULL;
}

int hl_engine_running(HlEngine *e, int64_t model_id)
{
    pthread_mutex_lock(&e->mu);
    int running = find_running(e, model_id) != NULL;
    pthread_mutex_unlock(&e->mu);
    return running;
}

int hl_engine_stop(HlEngine *e, int64_t model_id, hl_err *err)
{
    pthread_mutex_lock(&e->mu);
    HlRun *r = find_running(e, model_id);
    if (r)
        atomic_store(&r->stop, 1);
    pthread_mutex_unlock(&e->mu);
    return r ? HELIOS_OK : hl_err_set(err, HELIOS_NOTFOUND, -1, "the model is not training");
}

static void outcome_set(HlEngine *e, int64_t model_id, const char *text)
{
    Outcome *o;
    for (o = e->outcomes; o && o->model_id != model_id; o = o->next)
        ;
    if (!o && (o = calloc(1, sizeof *o))) {
        o->model_id = model_id;
        o->next = e->outcomes;
        e->outcomes = o;
    }
    if (o)
        snprintf(o->text, sizeof o->text, "%s", text);
}

void hl_engine_stop_all(HlEngine *e)
{
    pthread_mutex_lock(&e->mu);
    for (HlRun *r = e->runs; r; r = r->next)
        atomic_store(&r->stop, 1);
    pthread_mutex_unlock(&e->mu);
}

int hl_engine_wait(HlEngine *e, int64_t model_id, double timeout, char *status, size_t n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout >= 0) {
        double s = floor(timeout);
        until.tv_sec += (time_t)s;
        until.tv_nsec += (long)((timeout - s) * 1e9);
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&e->mu);
    int rc = 0;
    while (find_running(e, model_id) && rc == 0)
        rc = timeout < 0 ? pthread_cond_wait(&e->cv, &e->mu)
                         : pthread_cond_timedwait(&e->cv, &e->mu, &until);
    int ended = find_running(e, model_id) == NULL;
    if (status && n) {
        status[0] = '\0';
        for (Outcome *o = e->outcomes; o; o = o->next)
            if (o->model_id == model_id)
                snprintf(status, n, "%s", o->text);
    }
    pthread_mutex_unlock(&e->mu);
    return ended;
}

/* ---- the round loop (the run's thread) ---------------------------------------- */

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int64_t peak_memory(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)ru.ru_maxrss * 1024;
}

/* Which nodes take part in round `round`: all, or a seeded sample kept in
 * node order.  Returns how many were chosen into pick[]. */
static int select_nodes(const HlRun *r, int round, HlNode **pick)
{
    int k = r->nnodes;
    if (r->per_round > 0 && r->per_round < k)
        k = r->per_round;
    else if (r->fraction > 0 && r->fraction < 1)
        k = (int)ceil(r->fraction * r->nnodes);
    if (k >= r->nnodes) {
        memcpy(pick, r->nodes, sizeof *pick * (size_t)r->nnodes);
        return r->nnodes;
    }
    uint32_t *idx = malloc(sizeof *idx * (size_t)r->nnodes);
    char *chosen = calloc((size_t)r->nnodes, 1);
    if (!idx || !chosen) {
        free(idx);
        free(chosen);
        memcpy(pick, r->nodes, sizeof *pick * (size_t)r->nnodes);
        return r->nnodes;
    }
    for (int i = 0; i < r->nnodes; i++)
        idx[i] = (uint32_t)i;
    HlRng rng;
    hl_rng_seed(&rng, r->seed, (uint64_t)round, 0, HL_RNG_SELECT);
    hl_rng_shuffle(&rng, idx, (size_t)r->nnodes);
    for (int i = 0; i < k; i++)
        chosen[idx[i]] = 1;
    int m = 0;
    for (int i = 0; i < r->nnodes; i++)
        if (chosen[i])
            pick[m++] = r->nodes[i];
    free(idx);
    free(chosen);
    return m;
}

/* Evaluates params at every node (validation rows, or training rows when
 * there are none) and summarizes the merged counts. */
static int evaluate(HlRun *r, const double *params, HlEvalSummary *sum, hl_err *err)
{
    int size = hl_eval_size(r->tp.spec.task, r->tp.spec.nclass);
    double *acc = calloc((size_t)size, sizeof *acc);
    if (!acc)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int rc = HELIOS_OK;
    for (int i = 0; i < r->nnodes && rc == HELIOS_OK; i++) {
        HlMsg req, resp;
        memset(&req, 0, sizeof req);
        memset(&resp, 0, sizeof resp);
        req.type = HL_MSG_EVAL;
        req.train_config = r->train_config;
        req.params = (double *)params;
        req.nparams = r->p;
        req.eval_split = r->has_valid ? 1 : 0;
        hl_err e1;
        hl_err_clear(&e1);
        if (r->nodes[i]->ops->exchange(r->nodes[i], &req, &resp, &e1) == HELIOS_OK
            && resp.nmetrics == size)
            hl_eval_merge(acc, resp.metrics, size);
        hl_msg_clear(&resp);
    }
    hl_eval_summarize(r->tp.spec.task, r->tp.spec.nclass, acc, sum);
    free(acc);
    return rc;
}

/* {"loss":..,"accuracy":..,...} for the version's metrics (NaN -> null). */
static char *metrics_json(const HlEvalSummary *s)
{
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    const struct { const char *k; double v; } f[] = {
        {"n", s->n}, {"loss", s->loss}, {"accuracy", s->accuracy},
        {"precision", s->precision}, {"recall", s->recall}, {"f1_score", s->f1},
        {"roc_auc", s->roc_auc}, {"rmse", s->rmse}, {"mae", s->mae}, {"r2", s->r2},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        hl_json_key(&w, f[i].k);
        if (isfinite(f[i].v))
            hl_json_real(&w, f[i].v);
        else
            hl_json_null(&w);
    }
    hl_json_end_object(&w);
    return hl_json_writer_finish(&w);
}

static int commit_round(HlRun *r, sqlite3 *db, int round, HlNode **pick, int m,
                        const HlRoundOut *out, double acc, double seconds,
                        const HlCatRoundPhase *phases, int nphases, hl_err *err)
{
    HlCatRoundNode *rn = calloc((size_t)(m ? m : 1), sizeof *rn);
    if (!rn)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int k = 0;
    for (int i = 0; i < m; i++) {
        if (!out->node[i].ok)
            continue;
        rn[k].node_id = pick[i]->id;
        rn[k].node_name = pick[i]->name;
        rn[k].rows = out->node[i].rows;
        rn[k].loss_before = out->node[i].loss_before;
        rn[k].loss_after = out->node[i].loss_after;
        rn[k].duration_seconds = out->node[i].seconds;
        k++;
    }
    HlCatRound cr = {
        .round_number = round, .duration_seconds = seconds, .global_loss = out->loss,
        .global_accuracy = acc, .learning_rate = r->tp.cfg.learning_rate,
        .node_variance = out->node_variance, .privacy_epsilon = 0,
        .dropped_nodes = out->dropped,
        .communication_bytes = out->bytes_sent + out->bytes_received,
        .nodes = rn, .nnodes = k, .phases = phases, .nphases = nphases,
        .params = out->global, .nparams = (size_t)r->p,
        .state = r->nstate ? r->state : NULL, .nstate = r->nstate,
    };
    for (int i = 0; i < m; i++)
        if (!out->node[i].ok && pick[i]->id > 0) {
            hl_err e1;
            hl_err_clear(&e1);
            hl_cat_node_failed(db, pick[i]->id, out->node[i].err.msg, &e1);
        }
    /* A shared in-memory catalog answers "locked" instead of waiting. */
    int rc;
    for (int tries = 0;; tries++) {
        rc = hl_cat_round_commit(db, r->run_id, &cr, err);
        if (rc == HELIOS_OK || tries >= 500 || !strstr(err->msg, "locked"))
            break;
        hl_err_clear(err);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(rn);
    return rc;
}

/* The rounds.  Returns the run's final status; *err says why it failed. */
static HlRunStatus run_rounds(HlRun *r, sqlite3 *db, HlEvalSummary *last, hl_err *err)
{
    HlNode **pick = malloc(sizeof *pick * (size_t)r->nnodes);
    HlRoundNode *rn = calloc((size_t)r->nnodes, sizeof *rn);
    double *next = malloc(sizeof *next * (size_t)r->p);
    HlRunStatus status = HL_RUN_COMPLETED;
    double prev = NAN, best = INFINITY;
    int since_best = 0;
    memset(last, 0, sizeof *last);
    last->loss = last->accuracy = NAN;
    if (!pick || !rn || !next) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        status = HL_RUN_FAILED;
        goto done;
    }
    double t_start = hl_now_seconds();
    for (int round = r->first_round; round <= r->rounds; round++) {
        if (atomic_load(&r->stop)) {
            status = HL_RUN_STOPPED;
            break;
        }
        double t0 = hl_now_seconds(), c0 = cpu_seconds();
        int m = select_nodes(r, round, pick);
        memset(rn, 0, sizeof *rn * (size_t)r->nnodes);
        HlRoundIn in = {
            .nodes = pick, .n = m, .round = round, .seed = r->seed, .global = r->params,
            .p = r->p, .train_config = r->train_config, .agg = r->agg, .aggcfg = &r->aggcfg,
            .agg_state = r->state, .weighted = r->weighted, .min_nodes = r->round_min,
            .threads = hl_round_threads(),
        };
        HlRoundOut out = { .global = next, .node = rn };
        if (hl_round_run(&in, &out, err) != HELIOS_OK) {
            status = HL_RUN_FAILED;
            break;
        }
        double c1 = cpu_seconds();
        memcpy(r->params, next, sizeof *next * (size_t)r->p);
        double acc = NAN, te = hl_now_seconds();
        int final = round == r->rounds;
        if (final || (r->val_freq > 0 && round % r->val_freq == 0)) {
            HlEvalSummary s;
            if (evaluate(r, r->params, &s, err) == HELIOS_OK) {
                acc = s.accuracy;
                *last = s;
            }
        }
        double eval_s = hl_now_seconds() - te, c2 = cpu_seconds();
        HlCatRoundPhase ph[3] = {
            {HL_CAT_PHASE_LOCAL_TRAINING, out.train_seconds, c1 - c0, peak_memory(),
             out.bytes_sent, out.bytes_received},
            {HL_CAT_PHASE_AGGREGATION, out.aggregate_seconds, 0, peak_memory(), 0, 0},
            {HL_CAT_PHASE_EVALUATION, eval_s, c2 - c1, peak_memory(), 0, 0},
        };
        double seconds = hl_now_seconds() - t0;
        if (commit_round(r, db, round, pick, m, &out, acc, seconds, ph, 3, err) != HELIOS_OK) {
            status = HL_RUN_FAILED;
            break;
        }
        pthread_mutex_lock(&r->e->mu);
        void (*progress)(void *, const char *, int, int, double, double, double) = r->e->progress;
        void *parg = r->e->progress_arg;
        pthread_mutex_unlock(&r->e->mu);
        if (progress) {
            double per_round = (hl_now_seconds() - t_start) / (round - r->first_round + 1);
            progress(parg, r->model, round, r->rounds, out.loss, acc,
                     per_round * (r->rounds - round));
        }
        /* Convergence on the global loss (engine.h). */
        if (r->threshold > 0 && isfinite(prev) && fabs(prev - out.loss) < r->threshold) {
            status = HL_RUN_CONVERGED;
            if (!final) {
                HlEvalSummary s;
                if (evaluate(r, r->params, &s, err) == HELIOS_OK)
                    *last = s;
            }
            break;
        }
        prev = out.loss;
        if (out.loss < best) {
            best = out.loss;
            since_best = 0;
        } else if (r->early_stop > 0 && ++since_best >= r->early_stop) {
            status = HL_RUN_CONVERGED;
            HlEvalSummary s;
            if (!final && evaluate(r, r->params, &s, err) == HELIOS_OK)
                *last = s;
            break;
        }
    }
done:
    free(pick);
    free(rn);
    free(next);
    return status;
}

static void *run_thread(void *arg)
{
    HlRun *r = arg;
    hl_err err;
    hl_err_clear(&err);
    sqlite3 *db = NULL;
    HlRunStatus status;
    HlEvalSummary last;
    memset(&last, 0, sizeof last);
    if (sqlite3_open_v2(r->e->uri, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI,
                        hl_clock_vfs()) != SQLITE_OK) {
        hl_err_set(&err, HELIOS_IO, -1, "cannot open the catalog for training: %s",
                   db ? sqlite3_errmsg(db) : "out of memory");
        status = HL_RUN_FAILED;
    } else {
        sqlite3_busy_timeout(db, 10000);
        status = run_rounds(r, db, &last, &err);
    }
    if (db) {
        char *metrics = status == HL_RUN_COMPLETED || status == HL_RUN_CONVERGED
                        ? metrics_json(&last) : NULL;
        hl_err ferr;
        hl_err_clear(&ferr);
        if (hl_cat_run_finish(db, r->run_id, status, err.code ? err.msg : NULL, metrics, NULL,
                              &ferr) != HELIOS_OK && status != HL_RUN_FAILED)
            hl_cat_run_finish(db, r->run_id, HL_RUN_FAILED, ferr.msg, NULL, NULL, &ferr);
        free(metrics);
        sqlite3_close_v2(db);
    }
    char text[256];
    switch (status) {
    case HL_RUN_COMPLETED: snprintf(text, sizeof text, "completed"); break;
    case HL_RUN_CONVERGED: snprintf(text, sizeof text, "converged"); break;
    case HL_RUN_STOPPED: snprintf(text, sizeof text, "stopped"); break;
    default: snprintf(text, sizeof text, "failed: %.240s", err.msg); break;
    }
    pthread_mutex_lock(&r->e->mu);
    outcome_set(r->e, r->model_id, text);
    r->done = 1;
    pthread_cond_broadcast(&r->e->cv);
    pthread_mutex_unlock(&r->e->mu);
    return NULL;
}

/* ---- setup (the caller's thread) ---------------------------------------------- */

/* Sends req to every node; responses into resp[] (cleared by the caller).
 * The first failure names its node. */
static int ask_all(HlRun *r, const HlMsg *req, HlMsg *resp, hl_err *err)
{
    for (int i = 0; i < r->nnodes; i++) {
        hl_err e1;
        hl_err_clear(&e1);
        if (r->nodes[i]->ops->exchange(r->nodes[i], req, &resp[i], &e1) != HELIOS_OK) {
            char named[300];
            snprintf(named, sizeof named, "node '%.250s'", r->nodes[i]->name);
            if (strstr(e1.msg, named))      /* the node's message names it already */
                return hl_err_set(err, e1.code ? e1.code : HELIOS_ERROR, -1, "%s", e1.msg);
            return hl_err_set(err, e1.code ? e1.code : HELIOS_ERROR, -1, "node '%s': %s",
                              r->nodes[i]->name, e1.msg);
        }
    }
    return HELIOS_OK;
}

static int open_nodes(HlRun *r, sqlite3 *db, int64_t ws_id, hl_err *err)
{
    HlCatObj *v = NULL;
    int n = 0;
    int rc = hl_cat_list(db, HL_CAT_NODE, ws_id, &v, &n, err);
    if (rc != HELIOS_OK)
        return rc;
    r->nodes = calloc((size_t)(n ? n : 1), sizeof *r->nodes);
    if (!r->nodes) {
        hl_cat_list_free(v, n);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    for (int i = 0; i < n && rc == HELIOS_OK; i++) {
        char *endpoint = opt_str(HL_OBJ_NODE, v[i].options, "endpoint");
        char *database = opt_str(HL_OBJ_NODE, v[i].options, "database");
        char *filter = opt_str(HL_OBJ_NODE, v[i].options, "data_filter");
        if (endpoint && strcasecmp(endpoint, "local") != 0)
            rc = hl_err_set(err, HELIOS_NOTIMPL, -1,
                            "not implemented yet: node '%s' is remote (endpoint '%s'); remote nodes arrive with the network transport",
                            v[i].name, endpoint);
        else {
            r->nodes[i] = hl_local_node_new(v[i].id, v[i].name, database ? database : r->e->uri,
                                            filter, err);
            if (!r->nodes[i])
                rc = err->code ? err->code : HELIOS_NOMEM;
            else
                r->nnodes = i + 1;
        }
        free(endpoint);
        free(database);
        free(filter);
    }
    hl_cat_list_free(v, n);
    return rc;
}

/* SCHEMA, STATS, plan, SETUP; fills r->train_config and r->tp. */
static int prepare_data(HlRun *r, const char *opts, HlEncoding *enc, char **plan_json,
                        hl_err *err)
{
    char *source = opt_str(HL_OBJ_MODEL, opts, "source");
    char *target = opt_str(HL_OBJ_MODEL, opts, "target");
    char *feats = hl_opt_get(HL_OBJ_MODEL, opts, "features");
    HlJsonValue fv;
    hl_err je;
    hl_err_clear(&je);
    memset(&fv, 0, sizeof fv);
    int rc = HELIOS_OK, ncol = 0;
    char **cols = NULL;
    HlMsg *resp = calloc((size_t)r->nnodes, sizeof *resp);
    HlColKind *kinds = NULL;
    if (!resp) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    if (!target)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "federated model '%s' has no target; set it with ALTER FEDERATED MODEL %s SET (target = '<column>')",
                        r->model, r->model);
    else if (!feats || hl_json_parse_value(feats, &fv, &je) != HELIOS_OK
             || fv.type != HL_JSON_ARRAY || fv.nitems == 0)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "federated model '%s' has no features; set them with ALTER FEDERATED MODEL %s SET (features = ['a', 'b'])",
                        r->model, r->model);
    if (rc != HELIOS_OK)
        goto done;
    ncol = fv.nitems + 1;
    cols = calloc((size_t)ncol, sizeof *cols);
    kinds = calloc((size_t)ncol, sizeof *kinds);
    if (!cols || !kinds) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    for (int i = 0; i < fv.nitems; i++)
        cols[i] = fv.items[i].s;
    cols[ncol - 1] = target;

    HlMsg req;
    memset(&req, 0, sizeof req);
    req.type = HL_MSG_SCHEMA;
    req.source = source;
    req.columns = cols;
    req.ncolumns = ncol;
    if ((rc = ask_all(r, &req, resp, err)) != HELIOS_OK)
        goto done;
    if ((rc = hl_plan_kinds(resp, r->nnodes, ncol, kinds, err)) != HELIOS_OK)
        goto done;
    for (int i = 0; i < r->nnodes; i++)
        hl_msg_clear(&resp[i]);
    req.type = HL_MSG_STATS;
    req.kinds = kinds;
    if ((rc = ask_all(r, &req, resp, err)) != HELIOS_OK)
        goto done;
    if ((rc = hl_plan_encoding(opts, (const char *const *)cols, ncol, kinds, resp, r->nnodes,
                               enc, err)) != HELIOS_OK)
        goto done;
    for (int i = 0; i < r->nnodes; i++)
        hl_msg_clear(&resp[i]);
    *plan_json = hl_enc_to_json(enc);
    r->train_config = hl_plan_train_config(enc, opts, err);
    if (!*plan_json || !r->train_config) {
        rc = err->code ? err->code : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
done:
    for (int i = 0; resp && i < r->nnodes; i++)
        hl_msg_clear(&resp[i]);
    free(resp);
    free(cols);
    free(kinds);
    hl_json_value_clear(&fv);
    free(source);
    free(target);
    free(feats);
    return rc;
}

/* SETUP: every node loads and encodes its rows with the agreed plan and
 * holds out its validation rows; then the model spec is read back. */
static int setup_nodes(HlRun *r, const char *opts, const char *plan_json, hl_err *err)
{
    HlMsg *resp = calloc((size_t)r->nnodes, sizeof *resp);
    char *source = opt_str(HL_OBJ_MODEL, opts, "source");
    int rc = resp ? HELIOS_OK : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK) {
        HlMsg req;
        memset(&req, 0, sizeof req);
        req.type = HL_MSG_SETUP;
        req.source = source;
        req.encoding = (char *)plan_json;
        req.seed = r->seed;
        req.validation_split = opt_num(HL_OBJ_MODEL, opts, "validation_split", 0);
        rc = ask_all(r, &req, resp, err);
    }
    int64_t train_rows = 0;
    for (int i = 0; rc == HELIOS_OK && i < r->nnodes; i++) {
        train_rows += resp[i].rows_train;
        r->has_valid |= resp[i].rows_valid > 0;
    }
    if (rc == HELIOS_OK && train_rows == 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "the nodes of federated model '%s' have no rows to train on", r->model);
    if (rc == HELIOS_OK)
        rc = hl_plan_train_parse(r->train_config, &r->tp, err);
    for (int i = 0; resp && i < r->nnodes; i++)
        hl_msg_clear(&resp[i]);
    free(resp);
    free(source);
    return rc;
}

int hl_engine_start(HlEngine *e, sqlite3 *db, int64_t model_id, const char *model,
                    int64_t ws_id, const char *ws_opts, const char *opts, hl_err *err)
{
    return hl_engine_resume(e, db, model_id, model, ws_id, ws_opts, opts, NULL, err);
}

int hl_engine_resume(HlEngine *e, sqlite3 *db, int64_t model_id, const char *model,
                     int64_t ws_id, const char *ws_opts, const char *opts,
                     const HlResume *from, hl_err *err)
{
    reap(e, 0);
    if (hl_engine_running(e, model_id))
        return hl_err_set(err, HELIOS_ERROR, -1, "federated model '%s' is already training", model);
    HlRun *r = calloc(1, sizeof *r);
    if (!r || !(r->model = strdup(model))) {
        free(r);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    r->e = e;
    r->model_id = model_id;
    atomic_init(&r->stop, 0);
    r->seed = (uint64_t)opt_num(HL_OBJ_MODEL, opts, "seed", 0);
    r->rounds = (int)opt_num(HL_OBJ_MODEL, opts, "rounds", 10);
    r->first_round = 1;
    r->weighted = opt_num(HL_OBJ_MODEL, opts, "weighted_aggregation", 1) != 0;
    r->per_round = (int)opt_num(HL_OBJ_MODEL, opts, "nodes_per_round", 0);
    r->fraction = opt_num(HL_OBJ_MODEL, opts, "fraction_per_round", 0);
    r->threshold = opt_num(HL_OBJ_MODEL, opts, "convergence_threshold", 0);
    r->early_stop = (int)opt_num(HL_OBJ_MODEL, opts, "early_stopping_rounds", 0);
    r->val_freq = (int)opt_num(HL_OBJ_MODEL, opts, "validation_frequency", 1);
    /* min_nodes: registered nodes needed to start; min_nodes_per_round:
     * answers needed for a round to count (default 1). */
    r->min_nodes = (int)opt_num(HL_OBJ_WORKSPACE, ws_opts, "min_nodes", 1);
    r->round_min = (int)opt_num(HL_OBJ_WORKSPACE, ws_opts, "min_nodes_per_round", 1);
    r->aggcfg.server_learning_rate = opt_num(HL_OBJ_MODEL, opts, "server_learning_rate", 0.1);
    r->aggcfg.beta1 = opt_num(HL_OBJ_MODEL, opts, "beta1", 0.9);
    r->aggcfg.beta2 = opt_num(HL_OBJ_MODEL, opts, "beta2", 0.99);
    r->aggcfg.tau = opt_num(HL_OBJ_MODEL, opts, "tau", 0.001);
    r->aggcfg.trim_fraction = opt_num(HL_OBJ_MODEL, opts, "trim_fraction", 0.1);
    r->aggcfg.byzantine = (int)opt_num(HL_OBJ_MODEL, opts, "byzantine_nodes", -1);

    char *aggname = opt_str(HL_OBJ_MODEL, opts, "aggregation");
    char *algorithm = opt_str(HL_OBJ_MODEL, opts, "algorithm");
    HlEncoding enc;
    memset(&enc, 0, sizeof enc);
    char *plan_json = NULL;
    int rc = HELIOS_OK;
    r->agg = hl_agg_find(aggname ? aggname : "fedavg");
    if (!r->agg)
        rc = hl_err_set(err, HELIOS_NOTIMPL, -1,
                        "not implemented yet: custom aggregation '%s' (CREATE FEDERATED AGGREGATION FUNCTION)",
                        aggname);
    else if (algorithm && (strcmp(algorithm, "random_forest") == 0
                           || strcmp(algorithm, "gradient_boosting") == 0))
        rc = hl_err_set(err, HELIOS_NOTIMPL, -1,
                        "not implemented yet: algorithm '%s' (federated trees arrive in a later release); use logistic_regression, linear_regression or neural_network",
                        algorithm);
    if (rc == HELIOS_OK)
        rc = open_nodes(r, db, ws_id, err);
    if (rc == HELIOS_OK && r->nnodes < r->min_nodes)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "training needs at least %d nodes (the workspace's min_nodes) and %d %s registered",
                        r->min_nodes, r->nnodes, r->nnodes == 1 ? "is" : "are");
    if (rc == HELIOS_OK && !from)
        rc = prepare_data(r, opts, &enc, &plan_json, err);
    else if (rc == HELIOS_OK) {
        /* Going on: the plan and spec of the run, not new ones, so that the
         * nodes encode exactly as before. */
        plan_json = strdup(from->plan);
        r->train_config = strdup(from->spec);
        if (!plan_json || !r->train_config)
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if (rc == HELIOS_OK)
        rc = setup_nodes(r, opts, plan_json, err);
    if (rc == HELIOS_OK) {
        r->p = r->tp.nparams;
        r->nstate = r->agg->state_size(r->p);
        r->params = calloc((size_t)r->p, sizeof *r->params);
        r->state = r->nstate ? calloc(r->nstate, sizeof *r->state) : NULL;
        if (!r->params || (r->nstate && !r->state))
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    if (rc == HELIOS_OK && from && (from->nparams != (size_t)r->p
                                    || (from->nstate && from->nstate != r->nstate)))
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "the saved state has %zu parameters and %zu optimizer values; model '%s' needs %d and %zu",
                        from->nparams, from->nstate, model, r->p, r->nstate);
    if (rc == HELIOS_OK && from) {
        memcpy(r->params, from->params, sizeof *r->params * (size_t)r->p);
        if (from->nstate)
            memcpy(r->state, from->state, sizeof *r->state * r->nstate);
        r->first_round = (int)from->rounds_done + 1;
        if (from->rounds_planned > 0)
            r->rounds = (int)from->rounds_planned;
        if (from->run_id > 0) {
            r->run_id = from->run_id;
            rc = hl_cat_run_resume(db, from->run_id, err);
        } else {
            HlCatRunStart s = {
                .model_id = model_id, .options = opts, .plan = plan_json, .spec = r->train_config,
                .rounds_planned = r->rounds, .rounds_done = from->rounds_done,
                .params = r->params, .nparams = (size_t)r->p,
                .state = r->state, .nstate = r->nstate,
            };
            rc = hl_cat_run_begin(db, &s, &r->run_id, err);
        }
    } else if (rc == HELIOS_OK) {
        HlRng rng;
        hl_rng_seed(&rng, r->seed, 0, 0, HL_RNG_INIT);
        r->tp.ops->init(&r->tp.spec, r->params, &rng);
        HlCatRunStart s = {
            .model_id = model_id, .options = opts, .plan = plan_json, .spec = r->train_config,
            .rounds_planned = r->rounds, .params = r->params, .nparams = (size_t)r->p,
            .state = r->state, .nstate = r->nstate,
        };
        rc = hl_cat_run_begin(db, &s, &r->run_id, err);
    }
    if (rc == HELIOS_OK) {
        pthread_mutex_lock(&e->mu);
        r->next = e->runs;
        e->runs = r;
        if (pthread_create(&r->thread, NULL, run_thread, r) != 0) {
            e->runs = r->next;
            rc = hl_err_set(err, HELIOS_ERROR, -1, "cannot start the training thread");
        }
        pthread_mutex_unlock(&e->mu);
    }
    free(aggname);
    free(algorithm);
    free(plan_json);
    hl_enc_clear(&enc);
    if (rc != HELIOS_OK)
        run_free(r);
    return rc;
}

/* ---- evaluation of a trained version (federated_evaluate) ----------------------- */

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
            r.seed = (uint64_t)opt_num(HL_OBJ_MODEL, run.options, "seed", 0);
            split = opt_num(HL_OBJ_MODEL, run.options, "validation_split", 0);
            source = opt_str(HL_OBJ_MODEL, run.options, "source");
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
            rc = open_nodes(&r, db, ws_id, err);
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
        rc = ask_all(&r, &req, resp, err);
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
