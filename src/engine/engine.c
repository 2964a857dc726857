/*
 * engine.c - training runs; see engine.h.
 *
 * A run owns its nodes (each holding its encoded rows), the global
 * parameters, the aggregator's state and a thread.  The thread touches the
 * catalog only through its own connection and only through storage/runs.h.
 * Here: a run's lifetime and its setup on the caller's thread; the round
 * loop is run_thread.c, federated_evaluate() is evaluate.c.
 */
#include "engine_int.h"
#include "secagg/secagg.h"
#include "net/remote.h"
#include "ledger.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agg.h"
#include "async.h"
#include "catalog.h"
#include "helios.h"
#include "json.h"
#include "local_node.h"
#include "options.h"
#include "plan.h"
#include "rng.h"
#include "runs.h"

/* The outcome of the model's most recent finished run, kept until the
 * engine is freed (runs are reaped, outcomes are not). */
typedef struct Outcome {
    int64_t model_id;
    char text[256];
    struct Outcome *next;
} Outcome;

void hl_engine_set_progress(HlEngine *e, void (*fn)(void *, const char *, int, int, double,
                                                    double, double), void *arg)
{
    pthread_mutex_lock(&e->mu);
    e->progress = fn;
    e->progress_arg = arg;
    pthread_mutex_unlock(&e->mu);
}

/* ---- options ---------------------------------------------------------------- */

double hl_eng_opt_num(HlObjKind k, const char *json, const char *name, double dflt)
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
char *hl_eng_opt_str(HlObjKind k, const char *json, const char *name)
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
    free(r->rows);
    hl_eng_left_out_clear(r);
    hl_dp_round_cost_clear(&r->dp_cost);
    free(r->params);
    free(r->state);
    free(r->down_ef);
    hl_update_code_clear(&r->down);
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

void hl_eng_outcome_set(HlEngine *e, int64_t model_id, const char *text)
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

int hl_engine_count_running(HlEngine *e)
{
    int n = 0;
    pthread_mutex_lock(&e->mu);
    for (HlRun *r = e->runs; r; r = r->next)
        n += !r->done;
    pthread_mutex_unlock(&e->mu);
    return n;
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

/* ---- setup (the caller's thread) ---------------------------------------------- */

/* A node behind TLS: the node's certificate, private_key and ca_bundle,
 * each defaulting to the workspace's option of the same name; how frames
 * travel from the workspace's options (compression, encryption, time-outs,
 * reconnection, TCP) and the node's (backup_endpoint, max_bandwidth_mbps). */
static HlNode *open_remote(const HlCatObj *o, const char *endpoint, const char *ws_opts,
                           const char *model_opts, hl_err *err)
{
    static const char *const names[3] = { "certificate", "private_key", "ca_bundle" };
    char *v[3];
    for (int k = 0; k < 3; k++) {
        v[k] = hl_eng_opt_str(HL_OBJ_NODE, o->options, names[k]);
        if (!v[k])
            v[k] = hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, names[k]);
    }
    char *backup = hl_eng_opt_str(HL_OBJ_NODE, o->options, "backup_endpoint");
    char *codec = model_opts ? hl_eng_opt_str(HL_OBJ_MODEL, model_opts, "compression") : NULL;
    if (!codec)
        codec = hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, "compression");
    char *encryption = hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, "encryption");
    HlNode *node = NULL;
    if (!v[0] || !v[1] || !v[2])
        hl_err_set(err, HELIOS_OPTION, -1,
                   "node '%s' is remote (%s) and needs certificate, private_key and ca_bundle (node or workspace options) to connect",
                   o->name, endpoint);
    else {
#define WS_NUM(name, dflt) hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, name, dflt)
        HlRemoteOpts ro = {
            .backup = backup,
            .tls = { .cert = v[0], .key = v[1], .ca = v[2],
                     .verify = WS_NUM("certificate_validation", 1) != 0,
                     .keepalive_s = (int)WS_NUM("keepalive_interval", 60),
                     .nagle = WS_NUM("tcp_nodelay", 1) == 0 },
            .timeout_s = WS_NUM("round_timeout", 600),
            .codec = codec ? hl_net_codec_parse(codec) : HL_CODEC_NONE,
            .level = (int)WS_NUM("compression_level", 0),
            .seal = !encryption || strcasecmp(encryption, "none") != 0,
            .max_bandwidth_mbps = hl_eng_opt_num(HL_OBJ_NODE, o->options, "max_bandwidth_mbps", 0),
            .auto_reconnect = WS_NUM("auto_reconnect", 0) != 0,
            .reconnect_interval = WS_NUM("reconnect_interval", 10),
        };
#undef WS_NUM
        if (ro.codec < 0)       /* the option's check knows every codec */
            ro.codec = HL_CODEC_NONE;
        node = hl_remote_node_new(o->id, o->name, endpoint, &ro, err);
    }
    for (int k = 0; k < 3; k++)
        free(v[k]);
    free(backup);
    free(codec);
    free(encryption);
    return node;
}

/* The model's update codec (quantization: the model's, else the
 * workspace's; gradient_sparsification) into the train_config. */
static int set_codec(HlRun *r, const char *ws_opts, const char *opts, hl_err *err)
{
    int bits = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "quantization",
                                   hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "quantization", 32));
    double sparsity = hl_eng_opt_num(HL_OBJ_MODEL, opts, "gradient_sparsification", 0);
    if (bits >= 32 && !(sparsity > 0))
        return HELIOS_OK;
    if (hl_eng_opt_num(HL_OBJ_MODEL, opts, "secure_aggregation", 0) != 0)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "quantization and gradient_sparsification compress a node's update, and with secure_aggregation it travels masked, in 32-bit fixed point; set quantization = 32 and gradient_sparsification = 0, or turn secure_aggregation off");
    if (r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "quantization and gradient_sparsification would move a node's clipped update off its clipping bound, which node-level differential privacy relies on; use dp_level = 'record', or quantization = 32 and gradient_sparsification = 0");
    return hl_plan_train_codec(&r->train_config, bits, sparsity, err);
}

/* The workspace's round options: time-outs, batched and asynchronous
 * aggregation, checked against the model's aggregation. */
static int read_rounds(HlRun *r, const char *ws_opts, hl_err *err)
{
    double straggle = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "stragglers_timeout", 0);
    r->timeout = straggle > 0 ? straggle
                              : hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "round_timeout", 600);
    r->batch = (int)hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "aggregation_batch_size", 0);
    r->batch_comm = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "batch_communication", 0) != 0;
    r->async = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "async_aggregation", 0) != 0;
    if (r->async) {
        /* aggregation_batch_size is then the buffer's K (async.h) */
        r->max_staleness = (int)hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "max_staleness", 10);
        r->async_k = hl_async_k(r->batch, r->round_min, r->nnodes);
        return hl_async_check(r, err);
    }
    if (r->batch > 0 && (!r->agg->sums || r->agg->per_step))
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "aggregation_batch_size folds the updates into a running sum as they arrive, and aggregation '%s' needs them all at once; use fedavg, fedprox, fedadam, fedyogi or fedadagrad, or unset aggregation_batch_size",
                          r->agg->name);
    if (r->batch > 0 && r->tp.secure)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "aggregation_batch_size does not apply with secure_aggregation: the coordinator never holds the nodes' updates, only their masked sum; unset one of them");
    return HELIOS_OK;
}

int hl_eng_open_nodes(HlRun *r, sqlite3 *db, int64_t ws_id, hl_err *err)
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
    char *ws_opts = NULL;
    if (hl_cat_workspace_options(db, ws_id, &ws_opts, err) != HELIOS_OK) {
        hl_cat_list_free(v, n);
        return err->code;
    }
    for (int i = 0; i < n && rc == HELIOS_OK; i++) {
        char *endpoint = hl_eng_opt_str(HL_OBJ_NODE, v[i].options, "endpoint");
        char *database = hl_eng_opt_str(HL_OBJ_NODE, v[i].options, "database");
        char *filter = hl_eng_opt_str(HL_OBJ_NODE, v[i].options, "data_filter");
        if (endpoint && strcasecmp(endpoint, "local") != 0) {
            r->nodes[i] = open_remote(&v[i], endpoint, ws_opts, r->model_opts, err);
            if (!r->nodes[i])
                rc = err->code ? err->code : HELIOS_NOMEM;
            else
                r->nnodes = i + 1;
        } else {
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
    free(ws_opts);
    hl_cat_list_free(v, n);
    return rc;
}

/* SCHEMA, STATS, plan; fills r->train_config.  A node that fails SCHEMA or
 * STATS is left out when enough others answer (hl_eng_ask_enough). */
static int prepare_data(HlRun *r, const char *opts, HlEncoding *enc, char **plan_json,
                        hl_err *err)
{
    char *source = hl_eng_opt_str(HL_OBJ_MODEL, opts, "source");
    char *target = hl_eng_opt_str(HL_OBJ_MODEL, opts, "target");
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
    if ((rc = hl_eng_ask_enough(r, &req, resp, err)) != HELIOS_OK)
        goto done;
    if ((rc = hl_plan_kinds(resp, r->nnodes, ncol, kinds, err)) != HELIOS_OK)
        goto done;
    for (int i = 0; i < r->nnodes; i++)
        hl_msg_clear(&resp[i]);
    req.type = HL_MSG_STATS;
    req.kinds = kinds;
    if ((rc = hl_eng_ask_enough(r, &req, resp, err)) != HELIOS_OK)
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
 * holds out its validation rows (one that fails is left out when enough
 * others answer); then the model spec is read back. */
static int setup_nodes(HlRun *r, const char *opts, const char *plan_json, hl_err *err)
{
    HlMsg *resp = calloc((size_t)r->nnodes, sizeof *resp);
    char *source = hl_eng_opt_str(HL_OBJ_MODEL, opts, "source");
    int rc = resp ? HELIOS_OK : hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK) {
        HlMsg req;
        memset(&req, 0, sizeof req);
        req.type = HL_MSG_SETUP;
        req.source = source;
        req.encoding = (char *)plan_json;
        req.seed = r->seed;
        req.validation_split = hl_eng_opt_num(HL_OBJ_MODEL, opts, "validation_split", 0);
        rc = hl_eng_ask_enough(r, &req, resp, err);
    }
    int64_t train_rows = 0;
    if (rc == HELIOS_OK && !(r->rows = calloc((size_t)r->nnodes, sizeof *r->rows)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; rc == HELIOS_OK && i < r->nnodes; i++) {
        r->rows[i] = resp[i].rows_train;
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
                    int64_t ws_id, const char *ws_opts, const char *opts, char *note,
                    size_t notesz, hl_err *err)
{
    return hl_engine_resume(e, db, model_id, model, ws_id, ws_opts, opts, NULL, note, notesz,
                            err);
}

/* Secure aggregation: what the protocol needs of the run. */
static int start_secure(HlRun *r, hl_err *err)
{
    if (r->nleft && r->nnodes < HL_SECAGG_MIN_NODES)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "secure aggregation needs %d to %d nodes; %d of the workspace's %d answered (%s)",
                          HL_SECAGG_MIN_NODES, HL_SECAGG_MAX_NODES, r->nnodes,
                          r->nnodes + r->nleft, r->left[0].why);
    if (r->nnodes < HL_SECAGG_MIN_NODES || r->nnodes > HL_SECAGG_MAX_NODES)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "secure aggregation needs %d to %d nodes; workspace has %d",
                          HL_SECAGG_MIN_NODES, HL_SECAGG_MAX_NODES, r->nnodes);
    int k = r->per_round > 0 && r->per_round < r->nnodes ? r->per_round : r->nnodes;
    if (r->fraction > 0 && r->fraction < 1)
        k = (int)ceil(r->fraction * r->nnodes);
    if (r->sa_threshold > k)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "option 'threshold' (%d) is above the %d nodes a round takes: the sum could never be recovered",
                          r->sa_threshold, k);
    int64_t most = 0;
    for (int i = 0; i < r->nnodes; i++)
        if (r->rows[i] > most)
            most = r->rows[i];
    /* weights in [0, 1]: rows over the most rows of any node (public: each
     * node's row count is known from SETUP) */
    r->weight_scale = most > 0 ? 1.0 / (double)most : 0;
    return HELIOS_OK;
}

/* Differential privacy at START (after SETUP: the nodes' rows are known):
 * delta and the noise multiplier resolved against the workspace's ledger,
 * written into the train config the nodes get; RESUME keeps the run's own
 * (its spec has them). */
static int start_privacy(HlRun *r, sqlite3 *db, const HlResume *from, char *note,
                         size_t notesz, hl_err *err)
{
    if (from) {
        if (r->dp.mechanism == HL_DP_NONE && r->tp.dp_level)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "this training of model '%s' began with differential privacy, and its workspace has no privacy_budget now; restore the budget to resume it",
                              r->model);
        if (r->dp.mechanism != HL_DP_NONE && !r->tp.dp_level)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "this training of model '%s' began without differential privacy, and its workspace now has a privacy_budget; start a new training instead",
                              r->model);
        if (r->dp.mechanism == HL_DP_NONE)
            return HELIOS_OK;
        r->dp.level = r->tp.dp_level == 2 ? HL_DP_NODE : HL_DP_RECORD;
        r->dp.mechanism = r->tp.dp_mechanism;
        r->dp.sigma = r->tp.dp_sigma;
        r->dp.clip = r->tp.dp_clip;
        r->dp.sigma_given = 1;
    }
    if (r->dp.mechanism == HL_DP_NONE)
        return HELIOS_OK;
    HlDpShape sh = { .rows = r->rows, .nnodes = r->nnodes, .per_round = r->per_round,
                     .cfg = &r->tp.cfg };
    if (r->fraction > 0 && r->fraction < 1)
        sh.per_round = (int)ceil(r->fraction * r->nnodes);
    int rounds = r->rounds - r->first_round + 1;
    int rc = hl_dp_resolve(db, r->ws_id, &r->dp, &sh, rounds, err);
    if (rc == HELIOS_OK)
        rc = hl_dp_round_cost(&r->dp, &sh, r->dp.sigma, &r->dp_cost, err);
    if (rc == HELIOS_OK && !from) {
        char *tc = hl_dp_train_config(r->train_config, &r->dp, err);
        if (!tc)
            return err->code;
        free(r->train_config);
        r->train_config = tc;
        rc = hl_plan_train_parse(r->train_config, &r->tp, err);
    }
    r->dp_expected = sh.per_round > 0 && sh.per_round < r->nnodes ? sh.per_round : r->nnodes;
    hl_dp_adaptive_init(&r->clip, r->dp.clip, r->dp_expected);
    if (r->dp.adaptive) {
        r->clip.target = r->dp.quantile;
        r->clip.lr = r->dp.clip_lr;
        if (r->dp.count_stddev >= 0)
            r->clip.count_stddev = r->dp.count_stddev;
        else if (r->clip.count_stddev < r->dp.sigma)
            r->clip.count_stddev = r->dp.sigma;     /* as ml/train.c: Thm. 1 needs 2 sigma_b > z */
    }
    if (rc == HELIOS_OK && r->dp.adaptive && r->dp.mechanism == HL_DP_LAPLACE)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "adaptive_clipping works with noise_mechanism = 'gaussian' (its accounting is Theorem 1 of Andrew et al. 2021), not 'laplacian'");
    if (rc == HELIOS_OK && r->dp.adaptive && r->dp.level == HL_DP_NODE
        && !(2 * r->clip.count_stddev > r->dp.sigma))
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "adaptive clipping: adaptive_clipping_count_stddev %g is too small for noise_multiplier %g (it must be above %g)",
                        r->clip.count_stddev, r->dp.sigma, r->dp.sigma / 2);
    for (int i = 0; rc == HELIOS_OK && r->dp.adaptive && r->dp.level == HL_DP_RECORD
                    && i < r->nnodes; i++)
        if (r->rows[i] > 0 && hl_train_dp_adaptive_check(&r->tp.cfg, (int)r->rows[i], NULL) != 0)
            rc = hl_err_set(err, HELIOS_OPTION, -1,
                            "adaptive clipping: adaptive_clipping_count_stddev %g is too small for noise_multiplier %g (it must be above %g)",
                            r->dp.count_stddev, r->dp.sigma, r->dp.sigma / 2);
    if (rc == HELIOS_OK && note)
        snprintf(note, notesz,
                 "differential privacy: %s level, %s noise, noise_multiplier %.4g (%s), clipping_threshold %g, delta %g%s%s",
                 r->dp.level == HL_DP_NODE ? "node" : "record",
                 r->dp.mechanism == HL_DP_LAPLACE ? "laplacian" : "gaussian", r->dp.sigma,
                 r->dp.sigma_given ? "given"
                 : r->dp.per_round > 0 ? "calibrated: the rounds privacy_per_round allows fit in the budget left"
                 : "calibrated: the run's rounds fit in the budget left",
                 r->dp.clip, r->dp.delta, r->dp.adaptive ? ", adaptive clipping" : "",
                 r->dp.sigma > 100 ? "; noise this large leaves little to learn: a larger budget, fewer rounds or larger batches would help" : "");
    return rc;
}

int hl_engine_resume(HlEngine *e, sqlite3 *db, int64_t model_id, const char *model,
                     int64_t ws_id, const char *ws_opts, const char *opts,
                     const HlResume *from, char *note, size_t notesz, hl_err *err)
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
    r->seed = (uint64_t)hl_eng_opt_num(HL_OBJ_MODEL, opts, "seed", 0);
    r->rounds = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "rounds", 10);
    r->first_round = 1;
    r->weighted = hl_eng_opt_num(HL_OBJ_MODEL, opts, "weighted_aggregation", 1) != 0;
    r->per_round = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "nodes_per_round", 0);
    r->fraction = hl_eng_opt_num(HL_OBJ_MODEL, opts, "fraction_per_round", 0);
    r->threshold = hl_eng_opt_num(HL_OBJ_MODEL, opts, "convergence_threshold", 0);
    r->early_stop = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "early_stopping_rounds", 0);
    r->val_freq = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "validation_frequency", 1);
    /* min_nodes: registered nodes needed to start, and nodes that must
     * answer SCHEMA, STATS and SETUP (the others are left out of the run);
     * min_nodes_per_round: answers needed for a round to count (default 1). */
    r->min_nodes = (int)hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "min_nodes", 1);
    r->round_min = (int)hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "min_nodes_per_round", 1);
    r->aggcfg.server_learning_rate =
        hl_eng_opt_num(HL_OBJ_MODEL, opts, "server_learning_rate", 0.1);
    r->aggcfg.beta1 = hl_eng_opt_num(HL_OBJ_MODEL, opts, "beta1", 0.9);
    r->aggcfg.beta2 = hl_eng_opt_num(HL_OBJ_MODEL, opts, "beta2", 0.99);
    r->aggcfg.tau = hl_eng_opt_num(HL_OBJ_MODEL, opts, "tau", 0.001);
    r->aggcfg.trim_fraction = hl_eng_opt_num(HL_OBJ_MODEL, opts, "trim_fraction", 0.1);
    r->aggcfg.byzantine = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "byzantine_nodes", -1);
    r->ws_id = ws_id;
    if (note && notesz)
        note[0] = '\0';

    char *aggname = hl_eng_opt_str(HL_OBJ_MODEL, opts, "aggregation");
    char *algorithm = hl_eng_opt_str(HL_OBJ_MODEL, opts, "algorithm");
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
    r->sa_threshold = (int)hl_eng_opt_num(HL_OBJ_MODEL, opts, "threshold", 0);
    if (rc == HELIOS_OK)
        rc = hl_dp_plan_read(ws_opts, &r->dp, err);
    if (rc == HELIOS_OK && r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE
        && !r->agg->sums)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "node-level differential privacy adds its noise to the sum of the clipped node updates, and aggregation '%s' does not sum them; use fedavg, fedprox, fedadam, fedyogi or fedadagrad, or dp_level = 'record'",
                        r->agg->name);
    if (rc == HELIOS_OK && r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE
        && r->agg->per_step)
        rc = hl_err_set(err, HELIOS_OPTION, -1,
                        "node-level differential privacy bounds each node's update by clipping it, and fednova rescales the updates afterwards, which would undo the bound; use fedavg, fedprox, fedadam, fedyogi or fedadagrad");
    r->model_opts = opts;
    if (rc == HELIOS_OK)
        rc = hl_eng_open_nodes(r, db, ws_id, err);
    r->model_opts = NULL;
    if (rc == HELIOS_OK && r->nnodes < r->min_nodes)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "training needs at least %d nodes (the workspace's min_nodes) and %d %s registered",
                        r->min_nodes, r->nnodes, r->nnodes == 1 ? "is" : "are");
    if (rc == HELIOS_OK && !from && (rc = prepare_data(r, opts, &enc, &plan_json, err)) == HELIOS_OK)
        rc = set_codec(r, ws_opts, opts, err);
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
    if (rc == HELIOS_OK)
        rc = start_privacy(r, db, from, note, notesz, err);
    if (rc == HELIOS_OK && r->tp.secure)
        rc = start_secure(r, err);
    if (rc == HELIOS_OK)
        rc = read_rounds(r, ws_opts, err);
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
    if (rc == HELIOS_OK)        /* in the statement's transaction, as the run's row */
        rc = hl_eng_left_out_report(r, db, note, notesz, err);
    if (rc == HELIOS_OK) {
        pthread_mutex_lock(&e->mu);
        r->next = e->runs;
        e->runs = r;
        if (pthread_create(&r->thread, NULL, hl_eng_run_thread, r) != 0) {
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
