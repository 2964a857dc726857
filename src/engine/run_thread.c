/*
 * run_thread.c - the round loop of a training run, on the run's own thread
 * (see engine.h for its numbers: global loss, accuracy, convergence).
 *
 * Each round is committed to the catalog, on the thread's own connection,
 * before the next begins; STOP is read between rounds.  When the loop ends
 * the run's status is recorded in the catalog and in the engine's
 * outcomes, and the run is marked done for reap() to join.
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/rand.h>

#include "alerts.h"
#include "async.h"
#include "clock.h"
#include "engine_int.h"
#include "eval.h"
#include "helios.h"
#include "json.h"
#include "rng.h"
#include "round.h"
#include "catalog.h"
#include "ledger.h"
#include "runs.h"
#include "secure.h"

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
    if (r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE) {
        /* Node-level DP is accounted for Poisson sampling (Mironov, Talwar
         * & Zhang 2019): each node independently, with q = k / nodes. */
        HlRng rng;
        hl_rng_seed(&rng, r->seed, (uint64_t)round, 0, HL_RNG_SELECT);
        double q = (double)k / r->nnodes;
        int m = 0;
        for (int i = 0; i < r->nnodes; i++)
            if (hl_rng_uniform(&rng) < q)
                pick[m++] = r->nodes[i];
        return m;
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
/* One node's EVAL of params into *resp; 1 when it answered. */
static int eval_node(HlRun *r, const double *params, int i, HlMsg *resp)
{
    HlMsg req;
    memset(&req, 0, sizeof req);
    req.type = HL_MSG_EVAL;
    req.train_config = r->train_config;
    req.params = (double *)params;
    req.nparams = r->p;
    req.eval_split = r->has_valid ? 1 : 0;
    if (params == r->params)
        hl_update_code_model(&r->down, r->version, &req);
    req.deadline = r->timeout > 0 ? hl_now_seconds() + r->timeout : 0;
    hl_err e1;
    hl_err_clear(&e1);
    return r->nodes[i]->ops->exchange(r->nodes[i], &req, resp, &e1) == HELIOS_OK;
}

typedef struct EvalJob {
    HlRun *r;
    const double *params;
    HlMsg *resp;
    int *ok;
} EvalJob;

static void eval_one(void *arg, int i)
{
    EvalJob *j = arg;
    j->ok[i] = eval_node(j->r, j->params, i, &j->resp[i]);
}

/* The new global model (next) as the current one plus its change
 * quantized to down_bits, stochastically (update_codec.h), the rounding
 * carried to the next round (error feedback at the coordinator, as the
 * nodes do for their updates: Tang et al. 2019, "DoubleSqueeze"); r->down
 * is that change coded, for the nodes that hold the current model. */
static int code_global(HlRun *r, int round, double *next, hl_err *err)
{
    int p = r->p;
    if (!r->down_ef && !(r->down_ef = calloc((size_t)(p ? p : 1), sizeof *r->down_ef)))
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    double *delta = malloc(sizeof *delta * (size_t)(p ? p : 1));
    if (!delta)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int j = 0; j < p; j++)
        delta[j] = next[j] - r->params[j];
    HlRng qr;
    hl_rng_seed(&qr, r->seed, (uint64_t)round, 0, HL_RNG_QUANT);
    HlUpdateCodec codec = { .bits = r->down_bits, .sparsity = 0 };
    hl_update_code_clear(&r->down);
    int rc = hl_update_encode(delta, p, &codec, r->down_ef, &qr, &r->down, err);
    if (rc == HELIOS_OK)
        rc = hl_update_decode(&r->down, p, delta, err);
    for (int j = 0; rc == HELIOS_OK && j < p; j++)
        next[j] = r->params[j] + delta[j];
    free(delta);
    if (rc != HELIOS_OK)
        hl_update_code_clear(&r->down);
    return rc;
}

/* The bytes of an EVAL exchange (node.h: wire_sent, wire_received). */
static void count_eval(HlRun *r, const HlMsg *resp)
{
    r->eval_sent += resp->wire_sent;
    r->eval_received += resp->wire_received;
}

/* The nodes evaluate one after the other, or, when some are remote (their
 * answers mostly wait on the network), in parallel; the counts are merged
 * in node order either way, so the summary does not depend on timing. */
static int evaluate(HlRun *r, const double *params, HlEvalSummary *sum, hl_err *err)
{
    int size = hl_eval_size(r->tp.spec.task, r->tp.spec.nclass);
    double *acc = calloc((size_t)size, sizeof *acc);
    if (!acc)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    int threads = hl_round_threads_for(r->nodes, r->nnodes);
    if (threads > hl_round_threads()) {
        HlMsg *resp = calloc((size_t)(r->nnodes ? r->nnodes : 1), sizeof *resp);
        int *ok = calloc((size_t)(r->nnodes ? r->nnodes : 1), sizeof *ok);
        if (!resp || !ok) {
            free(resp);
            free(ok);
            free(acc);
            return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        }
        EvalJob j = { .r = r, .params = params, .resp = resp, .ok = ok };
        hl_round_each(r->nnodes, threads, eval_one, &j);
        for (int i = 0; i < r->nnodes; i++) {
            if (ok[i] && resp[i].nmetrics == size)
                hl_eval_merge(acc, resp[i].metrics, size);
            count_eval(r, &resp[i]);
            hl_msg_clear(&resp[i]);
        }
        free(resp);
        free(ok);
    } else {
        for (int i = 0; i < r->nnodes; i++) {
            HlMsg resp;
            memset(&resp, 0, sizeof resp);
            int ok = eval_node(r, params, i, &resp);
            if (ok && resp.nmetrics == size)
                hl_eval_merge(acc, resp.metrics, size);
            count_eval(r, &resp);
            hl_msg_clear(&resp);
        }
    }
    hl_eval_summarize(r->tp.spec.task, r->tp.spec.nclass, acc, sum);
    free(acc);
    return HELIOS_OK;
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
                        const HlRoundOut *out, double acc, double seconds, double epsilon,
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
        .node_variance = out->node_variance, .privacy_epsilon = epsilon,
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
            hl_cat_node_missed(db, pick[i]->id, out->node[i].slow, out->node[i].err.msg, &e1);
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

/* The workspace's alerts after a committed round.  A failure to check them
 * does not stop training. */
static void check_alerts(HlRun *r, sqlite3 *db, int round, const HlRoundOut *out, double acc,
                         double seconds, double prev_loss)
{
    hl_err e1;
    hl_err_clear(&e1);
    if (hl_cat_count(db, HL_CAT_ALERT, r->ws_id) <= 0)
        return;                 /* no alert: nothing to read after each round */
    char *ws_opts = NULL;
    if (hl_cat_workspace_options(db, r->ws_id, &ws_opts, &e1) != HELIOS_OK)
        return;
    HlAlertMetrics m = {
        .remaining_epsilon = NAN, .consumed_epsilon = NAN, .global_loss = out->loss,
        .global_accuracy = acc, .loss_delta = isfinite(prev_loss) ? out->loss - prev_loss : NAN,
        .node_variance = out->node_variance, .participating_nodes = out->participated,
        .dropped_nodes = out->dropped, .active_nodes = out->participated,
        .registered_nodes = r->nnodes + r->nleft, .round_duration_seconds = seconds,
        .communication_mb = (double)(out->bytes_sent + out->bytes_received) / 1e6,
    };
    double budget = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_budget", NAN);
    if (budget > 0) {
        HlCatSpent spent;
        if (hl_cat_privacy_spent(db, r->ws_id, 0, &spent, &e1) == HELIOS_OK) {
            m.consumed_epsilon = spent.cumulative_epsilon;
            m.remaining_epsilon = budget - spent.cumulative_epsilon;
            hl_cat_spent_clear(&spent);
        }
    }
    for (int tries = 0; tries < 100; tries++) {
        hl_err_clear(&e1);
        if (hl_alerts_check(db, r->ws_id, ws_opts, r->model, round, &m, NULL, &e1) == HELIOS_OK
            || !strstr(e1.msg, "locked"))
            break;
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    free(ws_opts);
}

/* Evaluates the global model once the nodes are idle. */
static int evaluate_global(HlRun *r, HlRunLoop *loop, HlEvalSummary *s, hl_err *err)
{
    if (loop->quiesce)
        loop->quiesce(loop->quiesce_arg);
    return evaluate(r, r->params, s, err);
}

int hl_eng_round_charge(HlRun *r, sqlite3 *db, int round, double *spent, HlRunStatus *status,
                        hl_err *err)
{
    *spent = 0;
    if (r->dp.mechanism == HL_DP_NONE)
        return HELIOS_OK;
    /* Charged before anything is released: a round that would not fit
     * does not run. */
    HlDpSpendCtx ctx = { .ws_id = r->ws_id, .model_id = r->model_id, .run_id = r->run_id,
                         .model = r->model, .round = round };
    int src = hl_dp_spend(db, &ctx, &r->dp, &r->dp_cost, r->clip.clip, spent, err);
    if (src != HELIOS_OK)
        *status = src == HL_DP_EXHAUSTED ? HL_RUN_BUDGET_EXHAUSTED : HL_RUN_FAILED;
    return src;
}

/* Early stopping watches the held-out rows' loss when the nodes keep some
 * (measured every validation_frequency rounds), else the training loss:
 * no better value for early_stopping_rounds rounds.  1: stop. */
static int stop_early(const HlRun *r, HlRunLoop *loop, int round, double watched)
{
    if (!isfinite(watched))
        return 0;
    if (watched < loop->best) {
        loop->best = watched;
        loop->best_round = round;
        return 0;
    }
    return r->early_stop > 0 && round - loop->best_round >= r->early_stop;
}

/* Does every node take part in every round (select_nodes)? */
static int all_every_round(const HlRun *r)
{
    return !((r->per_round > 0 && r->per_round < r->nnodes)
             || (r->fraction > 0 && r->fraction < 1));
}

int hl_eng_round_end(HlRun *r, sqlite3 *db, HlRunLoop *loop, const HlRoundEnd *e,
                     HlRunStatus *status, hl_err *err)
{
    const HlRoundOut *out = e->out;
    int round = e->round;
    double acc = NAN, vloss = NAN, te = hl_now_seconds();
    int64_t es0 = r->eval_sent, er0 = r->eval_received;
    int final = round == r->rounds;
    int due = final || (r->val_freq > 0 && round % r->val_freq == 0);
    if (due && !final && r->batch_comm && !r->async && all_every_round(r)) {
        loop->pending = round;  /* with the next round's TRAIN requests */
        due = 0;
    }
    if (due) {
        HlEvalSummary s;
        if (evaluate_global(r, loop, &s, err) == HELIOS_OK) {
            acc = s.accuracy;
            vloss = s.loss;
            *loop->last = s;
        }
    }
    double eval_s = hl_now_seconds() - te, c2 = hl_cpu_seconds();
    HlCatRoundPhase ph[3] = {
        {HL_CAT_PHASE_LOCAL_TRAINING, out->train_seconds, e->c1 - e->c0, peak_memory(),
         out->bytes_sent, out->bytes_received},
        {HL_CAT_PHASE_AGGREGATION, out->aggregate_seconds, 0, peak_memory(), 0, 0},
        {HL_CAT_PHASE_EVALUATION, eval_s, c2 - e->c1, peak_memory(), r->eval_sent - es0,
         r->eval_received - er0},
    };
    double seconds = hl_now_seconds() - e->t0;
    if (commit_round(r, db, round, e->pick, e->m, out, acc, seconds, e->spent, ph, 3, err)
        != HELIOS_OK) {
        *status = HL_RUN_FAILED;
        return 0;
    }
    check_alerts(r, db, round, out, acc, seconds, loop->prev);
    pthread_mutex_lock(&r->e->mu);
    void (*progress)(void *, const char *, int, int, double, double, double) = r->e->progress;
    void *parg = r->e->progress_arg;
    pthread_mutex_unlock(&r->e->mu);
    if (progress) {
        double per_round = (hl_now_seconds() - loop->t_start) / (round - r->first_round + 1);
        progress(parg, r->model, round, r->rounds, out->loss, acc,
                 per_round * (r->rounds - round));
    }
    /* Convergence on the global loss (engine.h). */
    if (r->threshold > 0 && isfinite(loop->prev) && fabs(loop->prev - out->loss) < r->threshold) {
        *status = HL_RUN_CONVERGED;
        if (!final) {
            HlEvalSummary s;
            if (evaluate_global(r, loop, &s, err) == HELIOS_OK)
                *loop->last = s;
        }
        return 0;
    }
    loop->prev = out->loss;
    if (stop_early(r, loop, round, r->has_valid ? vloss : out->loss)) {
        *status = HL_RUN_CONVERGED;
        HlEvalSummary s;
        if (!final && evaluate_global(r, loop, &s, err) == HELIOS_OK)
            *loop->last = s;
        return 0;
    }
    return 1;
}

/* batch_communication: the evaluation of round `pending`, which came with
 * this round's TRAIN answers (out->metrics), recorded as that round's;
 * early stopping decides on it.  Returns 1 to go on; 0 when the run stops
 * at round `pending` (this round's model is then not taken). */
static int pending_eval(HlRun *r, sqlite3 *db, HlRunLoop *loop, int pending, const HlRoundOut *out,
                        HlRunStatus *status, hl_err *err)
{
    HlEvalSummary s;
    if (out->evaluated > 0)
        hl_eval_summarize(r->tp.spec.task, r->tp.spec.nclass, out->metrics, &s);
    else if (evaluate_global(r, loop, &s, err) != HELIOS_OK)   /* no answer carried it */
        return 1;
    *loop->last = s;
    hl_err e1;
    hl_err_clear(&e1);
    hl_cat_round_set_accuracy(db, r->run_id, pending, s.accuracy, &e1);
    if (r->has_valid && stop_early(r, loop, pending, s.loss)) {
        *status = HL_RUN_CONVERGED;
        return 0;
    }
    return 1;
}

/* The rounds.  Returns the run's final status; *err says why it failed. */
static HlRunStatus run_rounds(HlRun *r, sqlite3 *db, HlEvalSummary *last, hl_err *err)
{
    HlNode **pick = malloc(sizeof *pick * (size_t)r->nnodes);
    int *index = malloc(sizeof *index * (size_t)r->nnodes);
    HlSecAggServer *sa = NULL;
    HlRoundNode *rn = calloc((size_t)r->nnodes, sizeof *rn);
    double *next = malloc(sizeof *next * (size_t)r->p);
    int nmetrics = hl_eval_size(r->tp.spec.task, r->tp.spec.nclass);
    double *metrics = malloc(sizeof *metrics * (size_t)nmetrics);
    HlRunStatus status = HL_RUN_COMPLETED;
    HlRunLoop loop = { .last = last, .prev = NAN, .best = INFINITY };
    memset(last, 0, sizeof *last);
    last->loss = last->accuracy = NAN;
    if (!pick || !rn || !next || !index || !metrics) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        status = HL_RUN_FAILED;
        goto done;
    }
    /* Differential privacy: the coordinator's noise (node level) from a
     * secret stream, so that no one can replay it from the model's seed. */
    HlRng dp_rng;
    HlRoundDp rdp = { .mechanism = r->dp.mechanism, .sigma = r->dp.sigma };
    if (r->dp.mechanism != HL_DP_NONE) {
        uint64_t secret;
        if (RAND_bytes((unsigned char *)&secret, sizeof secret) != 1) {
            hl_err_set(err, HELIOS_ERROR, -1, "no secure random numbers for differential privacy");
            status = HL_RUN_FAILED;
            goto done;
        }
        hl_rng_seed(&dp_rng, secret, 0, 0, HL_RNG_INIT);
        rdp.rng = &dp_rng;
        rdp.expected = r->dp_expected;
        if (r->dp.adaptive && r->dp.level == HL_DP_NODE
            && hl_dp_adaptive_multiplier(r->dp.sigma, r->clip.count_stddev, &rdp.sigma) != 0) {
            hl_err_set(err, HELIOS_OPTION, -1,
                       "adaptive clipping: the clipped-count noise %g is too small for noise_multiplier %g (it needs more than %g); raise adaptive_clipping_count_stddev",
                       r->clip.count_stddev, r->dp.sigma, r->dp.sigma / 2);
            status = HL_RUN_FAILED;
            goto done;
        }
    }
    /* Secure aggregation: one session for the run (engine/secure.h). */
    HlSecAggSegment segs[3];
    double dp_noise = 0;
    if (r->tp.secure) {
        int node_dp = r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE;
        /* Node-level DP: a node sends its clipped update over the round's
         * clip (norm <= 1, whatever adaptive clipping does to the clip)
         * plus its share of noise of multiplier z (z_Delta); a share has
         * stddev z / sqrt(t), t >= 2, and the range leaves 8 of those
         * above 1, so that clipping the noisy vector changes nothing in
         * practice.  Likewise the clip report, +-1/2 plus its share of
         * sigma_b. */
        dp_noise = node_dp ? rdp.sigma : 0;
        double count_noise = node_dp && r->dp.adaptive ? r->clip.count_stddev : 0;
        double range = node_dp ? 1 + 8 * dp_noise / sqrt(2.0) : r->tp.secagg_range;
        int nsegs = hl_secure_layout(r->p, range, node_dp, 0.5 + 8 * count_noise / sqrt(2.0),
                                     segs);
        HlSecAggConfig cfg = { .n = r->nnodes, .t = r->sa_threshold, .dim = r->p + 1 + node_dp,
                               .segs = segs, .nsegs = nsegs };
        if (!(sa = hl_secagg_server_new(&cfg, err))) {
            status = HL_RUN_FAILED;
            goto done;
        }
    }
    r->version = 1;
    r->down_bits = r->tp.compress && r->tp.codec.bits < 32 ? r->tp.codec.bits : 0;
    loop.t_start = hl_now_seconds();
    if (r->async) {
        status = hl_async_rounds(r, db, &loop, err);
        goto done;
    }
    for (int round = r->first_round; round <= r->rounds; round++) {
        if (atomic_load(&r->stop)) {
            status = HL_RUN_STOPPED;
            break;
        }
        double t0 = hl_now_seconds(), c0 = hl_cpu_seconds(), spent;
        if (hl_eng_round_charge(r, db, round, &spent, &status, err) != HELIOS_OK)
            break;
        int m = select_nodes(r, round, pick);
        for (int i = 0, j = 0; i < r->nnodes && j < m; i++)
            if (r->nodes[i] == pick[j])
                index[j++] = i;
        memset(rn, 0, sizeof *rn * (size_t)r->nnodes);
        int shares = r->sa_threshold > 0 ? r->sa_threshold : (m / 2 + 1 > 2 ? m / 2 + 1 : 2);
        rdp.clip = r->clip.clip;
        HlRoundIn in = {
            .nodes = pick, .n = m, .round = round, .seed = r->seed, .global = r->params,
            .p = r->p, .train_config = r->train_config, .agg = r->agg, .aggcfg = &r->aggcfg,
            .agg_state = r->state, .weighted = r->weighted, .min_nodes = r->round_min,
            .threads = hl_round_threads_for(pick, m),
            .clip = r->dp.mechanism != HL_DP_NONE ? r->clip.clip : 0,
            .dp = r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE ? &rdp : NULL,
            .sa = sa, .all = r->nodes, .nall = r->nnodes, .index = index,
            .weight_scale = sa && r->weighted && r->dp.level != HL_DP_NODE ? r->weight_scale : 0,
            .dp_shares = sa && dp_noise > 0 ? shares : 0,
            .dp_noise = dp_noise,
            .dp_count_noise = sa && r->dp.adaptive ? r->clip.count_stddev : 0,
            .timeout = r->timeout, .batch = r->batch,
            .version = r->version, .down = &r->down,
        };
        int pending = loop.pending;
        loop.pending = 0;
        if (pending) {          /* batch_communication: the last round's evaluation */
            in.eval_first = 1;
            in.eval_split = r->has_valid ? 1 : 0;
            in.nmetrics = nmetrics;
            memset(metrics, 0, sizeof *metrics * (size_t)nmetrics);
        }
        HlRoundOut out = { .global = next, .node = rn, .metrics = pending ? metrics : NULL };
        if (hl_round_run(&in, &out, err) != HELIOS_OK) {
            status = HL_RUN_FAILED;
            break;
        }
        if (pending && !pending_eval(r, db, &loop, pending, &out, &status, err))
            break;
        if (r->dp.adaptive && r->dp.level == HL_DP_NODE)
            /* with secure aggregation the nodes' shares noised the sum */
            hl_dp_adaptive_update(&r->clip, out.dp_report_sum, sa ? NULL : &dp_rng);
        else if (r->dp.adaptive && out.dp_clip > 0)
            r->clip.clip = out.dp_clip;
        if (r->down_bits && code_global(r, round, next, err) != HELIOS_OK) {
            status = HL_RUN_FAILED;
            break;
        }
        double c1 = hl_cpu_seconds();
        memcpy(r->params, next, sizeof *next * (size_t)r->p);
        r->version++;
        HlRoundEnd end = { .round = round, .pick = pick, .m = m, .out = &out, .t0 = t0,
                           .c0 = c0, .c1 = c1, .spent = spent };
        if (!hl_eng_round_end(r, db, &loop, &end, &status, err))
            break;
    }
done:
    hl_secagg_server_free(sa);
    free(index);
    free(pick);
    free(rn);
    free(next);
    free(metrics);
    return status;
}

void *hl_eng_run_thread(void *arg)
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
                        || status == HL_RUN_BUDGET_EXHAUSTED ? metrics_json(&last) : NULL;
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
    case HL_RUN_BUDGET_EXHAUSTED: snprintf(text, sizeof text, "%.250s", err.msg); break;
    default: snprintf(text, sizeof text, "failed: %.240s", err.msg); break;
    }
    pthread_mutex_lock(&r->e->mu);
    hl_eng_outcome_set(r->e, r->model_id, text);
    r->done = 1;
    pthread_cond_broadcast(&r->e->cv);
    pthread_mutex_unlock(&r->e->mu);
    return NULL;
}
