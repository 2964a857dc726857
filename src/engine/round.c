/* round.c - one training round; see round.h. */
#include "round.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helios.h"
#include "eval.h"
#include "secure.h"
#include "update_codec.h"

/* The online cores, read once: sysconf() reads a file under /sys, and the
 * thread count is asked for every round. */
static int cores;
static pthread_once_t cores_once = PTHREAD_ONCE_INIT;

static void cores_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cores = n >= 1 && n <= 256 ? (int)n : 1;
}

int hl_round_threads(void)
{
    const char *env = getenv("HELIOS_THREADS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (!*end && v >= 1 && v <= 256)
            return (int)v;
    }
    pthread_once(&cores_once, cores_init);
    return cores;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Secure aggregation of the round: the decoded sum of the nodes' vectors
 * into global + the mean update (*single, malloc'd).  Nodes left out of
 * the sum count as dropped. */
static int secure_mean(const HlRoundIn *in, HlRoundOut *out, double **single, hl_err *err)
{
    int p = in->p, dim = p + 1 + (in->dp != NULL);
    unsigned char *sel = calloc((size_t)in->nall, 1), *inc = calloc((size_t)in->nall, 1);
    double *sum = calloc((size_t)dim, sizeof *sum);
    *single = malloc(sizeof **single * (size_t)(p ? p : 1));
    int rc = HELIOS_OK, m = 0;
    if (!sel || !inc || !sum || !*single)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    for (int i = 0; rc == HELIOS_OK && i < in->n; i++)
        if (out->node[i].ok)
            sel[in->index[i]] = 1;
    if (rc == HELIOS_OK) {
        hl_err e1;
        hl_err_clear(&e1);
        if (hl_secure_round(in->sa, in->round, in->all, in->nall, sel, in->threads, sum, inc, &m,
                            &out->bytes_sent, &out->bytes_received, &e1) != HELIOS_OK)
            rc = hl_err_set(err, HELIOS_ERROR, -1, "round %d: %s", in->round, e1.msg);
    }
    for (int i = 0; rc == HELIOS_OK && i < in->n; i++)
        if (out->node[i].ok && !inc[in->index[i]]) {
            out->node[i].ok = 0;
            hl_err_set(&out->node[i].err, HELIOS_ERROR, -1,
                       "node '%s' dropped out of secure aggregation", in->nodes[i]->name);
            out->participated--;
            out->dropped++;
        }
    if (rc == HELIOS_OK) {
        /* weighted: sum(w delta) / sum(w); node-level DP: over the expected
         * number of nodes (the noise came in shares) */
        double den = in->dp ? in->dp->expected / in->dp->clip : sum[p];
        if (!(den > 0))
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "round %d: secure aggregation summed no weight", in->round);
        for (int j = 0; rc == HELIOS_OK && j < p; j++)
            (*single)[j] = in->global[j] + sum[j] / den;
        if (in->dp)
            out->dp_report_sum = sum[p + 1];
    }
    free(sel);
    free(inc);
    free(sum);
    if (rc != HELIOS_OK) {
        free(*single);
        *single = NULL;
    }
    return rc;
}

int hl_round_threads_for(HlNode *const *nodes, int n)
{
    int t = hl_round_threads();
    for (int i = 0; i < n; i++)
        if (strcmp(nodes[i]->ops->kind, "local") != 0)
            return n < 64 ? (n > t ? n : t) : (64 > t ? 64 : t);
    return t;
}

typedef struct Each {
    void (*fn)(void *, int);
    void *ctx;
    int n;
    atomic_int next;
} Each;

static void *each_worker(void *arg)
{
    Each *e = arg;
    for (;;) {
        int i = atomic_fetch_add(&e->next, 1);
        if (i >= e->n)
            return NULL;
        e->fn(e->ctx, i);
    }
}

void hl_round_each(int n, int threads, void (*fn)(void *ctx, int i), void *ctx)
{
    Each e = { .fn = fn, .ctx = ctx, .n = n };
    atomic_init(&e.next, 0);
    int t = threads < n ? threads : n;
    pthread_t tid[256];
    int started = 0;
    for (int k = 1; k < t && k < 256; k++)
        if (pthread_create(&tid[started], NULL, each_worker, &e) == 0)
            started++;
    each_worker(&e);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
}

typedef struct Work {
    const HlRoundIn *in;
    HlRoundOut *out;
    HlMsg *resp;                /* n responses */
    atomic_int next;
    double deadline;            /* of TRAIN answers (0: none) */
    /* aggregation_batch_size: updates wait in buf (indices into resp) and
     * are folded k at a time into acc, the running sum of w (x - global),
     * with wsum the sum of the weights; all under mu. */
    pthread_mutex_t mu;
    int *buf, nbuf;
    double *acc, wsum;
} Work;

/* The weight of node i's update in the mean. */
static double weight_of(const HlRoundIn *in, const HlRoundNode *rn)
{
    return in->weighted && !in->dp ? (double)(rn->rows > 0 ? rn->rows : 0) : 1.0;
}

/* Folds the waiting updates into the running sum and frees them (under
 * w->mu). */
static void fold(Work *w)
{
    const HlRoundIn *in = w->in;
    for (int b = 0; b < w->nbuf; b++) {
        int i = w->buf[b];
        double wt = weight_of(in, &w->out->node[i]);
        const double *x = w->resp[i].params;
        for (int j = 0; j < in->p; j++)
            w->acc[j] += wt * (x[j] - in->global[j]);
        w->wsum += wt;
        free(w->resp[i].params);
        w->resp[i].params = NULL;
    }
    w->nbuf = 0;
}

/* A compressed update (engine/update_codec.h) as the node's parameters:
 * global + the decoded update.  The code is a peer's: checked whole. */
static int expand_update(const HlRoundIn *in, const HlNode *node, HlMsg *resp, hl_err *err)
{
    HlUpdateCode c;
    int rc = hl_update_code_unpack(resp->update_p, resp->update_bits, resp->update_scale,
                                   resp->update_idx, resp->update_idx_len, resp->update_values,
                                   resp->update_values_len, &c, err);
    double *x = NULL;
    if (rc == HELIOS_OK && !(x = malloc(sizeof *x * (size_t)(in->p ? in->p : 1))))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK)
        rc = hl_update_decode(&c, in->p, x, err);
    hl_update_code_clear(&c);
    if (rc != HELIOS_OK) {
        free(x);
        hl_err_prefix(err, 0, "node '%s' sent a bad update: ", node->name);
        return err->code;
    }
    for (int j = 0; j < in->p; j++)
        x[j] += in->global[j];
    free(resp->params);
    resp->params = x;
    resp->nparams = in->p;
    return HELIOS_OK;
}

static void train_one(Work *w, int i)
{
    const HlRoundIn *in = w->in;
    HlRoundNode *rn = &w->out->node[i];
    HlMsg req;
    memset(&req, 0, sizeof req);
    req.type = HL_MSG_TRAIN;
    req.round = in->round;
    req.seed = in->seed;
    req.params = (double *)in->global;  /* read only: the request is const to the node */
    req.nparams = in->p;
    req.train_config = (char *)in->train_config;
    req.clip = in->clip;
    req.weight_scale = in->weight_scale;
    req.dp_shares = in->dp_shares;
    req.dp_noise = in->dp_noise;
    req.dp_count_noise = in->dp_count_noise;
    req.deadline = w->deadline;
    req.eval_first = in->eval_first;
    req.eval_split = in->eval_split;
    if (in->down)
        hl_update_code_model(in->down, in->version, &req);
    hl_err_clear(&rn->err);
    double t0 = hl_now_seconds();
    HlNode *node = in->nodes[i];
    HlMsg *resp = &w->resp[i];
    int rc = node->ops->exchange(node, &req, resp, &rn->err);
    rn->seconds = hl_now_seconds() - t0;
    rn->bytes_sent = resp->wire_sent;
    rn->bytes_received = resp->wire_received;
    rn->slow = rc != HELIOS_OK && resp->timed_out;
    if (rc == HELIOS_OK && resp->update_bits && !in->sa)
        rc = expand_update(in, node, resp, &rn->err);
    if (rc == HELIOS_OK && !in->sa && resp->nparams != in->p)
        rc = hl_err_set(&rn->err, HELIOS_ERROR, -1,
                        "node '%s' sent %d parameters, expected %d", node->name,
                        resp->nparams, in->p);
    rn->ok = rc == HELIOS_OK;
    if (rn->ok) {
        rn->rows = resp->rows_train;
        rn->loss_before = resp->loss_before;
        rn->loss_after = resp->loss_after;
    }
    pthread_mutex_lock(&w->mu);
    if (rn->ok && !in->sa && resp->params && in->batch > 0) {
        w->buf[w->nbuf++] = i;
        if (w->nbuf >= in->batch)
            fold(w);
    }
    pthread_mutex_unlock(&w->mu);
}

static void *worker(void *arg)
{
    Work *w = arg;
    for (;;) {
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->in->n)
            return NULL;
        train_one(w, i);
    }
}

/* Trains every node, on up to in->threads threads (the calling one too). */
static void train_all(Work *w)
{
    int t = w->in->threads < w->in->n ? w->in->threads : w->in->n;
    pthread_t tid[256];
    int started = 0;
    for (int k = 1; k < t && k < 256; k++)
        if (pthread_create(&tid[started], NULL, worker, w) == 0)
            started++;
    worker(w);
    for (int k = 0; k < started; k++)
        pthread_join(tid[k], NULL);
}

/* The round's loss (rows-weighted mean of loss_before) and the variance
 * between nodes, over the nodes whose update is in the aggregate (after
 * secure aggregation, which may drop some). */
static void node_losses(const HlRoundIn *in, HlRoundOut *out)
{
    int m = 0;
    int64_t rows = 0;
    double lsum = 0, mean = 0, var = 0;
    for (int i = 0; i < in->n; i++)
        if (out->node[i].ok) {
            m++;
            rows += out->node[i].rows;
            lsum += out->node[i].loss_before * (double)out->node[i].rows;
            mean += out->node[i].loss_before;
        }
    mean = m ? mean / m : 0;
    for (int i = 0; i < in->n; i++)
        if (out->node[i].ok)
            var += (out->node[i].loss_before - mean) * (out->node[i].loss_before - mean) / m;
    out->loss = rows > 0 ? lsum / (double)rows : 0;
    out->node_variance = var;
}

int hl_round_run(const HlRoundIn *in, HlRoundOut *out, hl_err *err)
{
    Work w = { .in = in, .out = out };
    atomic_init(&w.next, 0);
    pthread_mutex_init(&w.mu, NULL);
    size_t n1 = (size_t)(in->n ? in->n : 1), p1 = (size_t)(in->p ? in->p : 1);
    w.resp = calloc(n1, sizeof *w.resp);
    const double **models = calloc(n1, sizeof *models);
    double *weights = calloc(n1, sizeof *weights);
    double *single = NULL, *noisy = NULL;   /* the one model the aggregator gets
                                               (secure, DP, batched) */
    int rc = HELIOS_OK;
    if (!w.resp || !models || !weights
        || (in->batch > 0 && (!(w.buf = malloc(sizeof *w.buf * (size_t)in->batch))
                              || !(w.acc = calloc(p1, sizeof *w.acc))))) {
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        goto done;
    }
    double t0 = hl_now_seconds();
    w.deadline = in->timeout > 0 ? t0 + in->timeout : 0;
    train_all(&w);
    if (in->batch > 0)
        fold(&w);
    out->train_seconds = hl_now_seconds() - t0;

    /* Collect in node order: the aggregate does not depend on timing. */
    int m = 0, first_bad = -1;
    int64_t rows = 0;
    out->bytes_sent = out->bytes_received = 0;
    out->evaluated = 0;
    for (int i = 0; i < in->n; i++) {
        const HlRoundNode *rn = &out->node[i];
        out->bytes_sent += rn->bytes_sent;
        out->bytes_received += rn->bytes_received;
        if (!rn->ok) {
            if (first_bad < 0)
                first_bad = i;
            continue;
        }
        if (in->eval_first && out->metrics && w.resp[i].nmetrics == in->nmetrics) {
            hl_eval_merge(out->metrics, w.resp[i].metrics, in->nmetrics);
            out->evaluated++;
        }
        models[m] = w.resp[i].params;
        weights[m] = weight_of(in, rn);
        rows += rn->rows;
        m++;
    }
    out->participated = m;
    out->dropped = in->n - m;
    if (m < in->min_nodes || m == 0) {
        if (first_bad >= 0)
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "round %d: %d of %d nodes answered, %d needed; node '%s': %s",
                            in->round, m, in->n, in->min_nodes > 0 ? in->min_nodes : 1,
                            in->nodes[first_bad]->name, out->node[first_bad].err.msg);
        else
            rc = hl_err_set(err, HELIOS_ERROR, -1,
                            "round %d: %d node%s took part, and min_nodes_per_round is %d",
                            in->round, m, m == 1 ? "" : "s", in->min_nodes);
        goto done;
    }
    /* Record-level adaptive clipping: the median of the nodes' final clips
     * (each computed from noised counts) starts the next round. */
    out->dp_clip = 0;
    if (in->clip > 0) {
        int k = 0;
        double *clips = malloc(sizeof *clips * (size_t)(m ? m : 1));
        if (clips) {
            for (int i = 0; i < in->n; i++)
                if (out->node[i].ok && w.resp[i].dp_clip > 0)
                    clips[k++] = w.resp[i].dp_clip;
            if (k > 0) {
                qsort(clips, (size_t)k, sizeof *clips, cmp_double);
                out->dp_clip = k % 2 ? clips[k / 2] : 0.5 * (clips[k / 2 - 1] + clips[k / 2]);
            }
            free(clips);
        }
    }
    if (in->weighted && rows == 0) {
        for (int k = 0; k < m; k++)
            weights[k] = 1.0;
    }
    t0 = hl_now_seconds();
    if (in->sa) {
        rc = secure_mean(in, out, &single, err);
        if (rc != HELIOS_OK)
            goto done;
        models[0] = single;
        weights[0] = 1.0;
        m = 1;
    }
    node_losses(in, out);
    if (in->agg->per_step && !in->sa) {
        /* FedNova: each update rescaled to the mean number of steps. */
        double *steps = malloc(sizeof *steps * (size_t)m);
        double **mut = malloc(sizeof *mut * (size_t)m);
        if (!steps || !mut) {
            free(steps);
            free(mut);
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
            goto done;
        }
        for (int i = 0, k = 0; i < in->n; i++)
            if (out->node[i].ok) {
                steps[k] = (double)w.resp[i].steps;
                mut[k++] = w.resp[i].params;
            }
        hl_agg_fednova_scale(in->global, mut, weights, steps, m, in->p);
        free(steps);
        free(mut);
    }
    if (in->dp && !in->sa) {
        /* DP-FedAvg: the noised sum of the clipped updates over the
         * expected number of nodes, as one model. */
        if (!(noisy = calloc((size_t)(in->p ? in->p : 1), sizeof *noisy))) {
            rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
            goto done;
        }
        out->dp_report_sum = 0;
        if (in->batch > 0)
            memcpy(noisy, w.acc, sizeof *noisy * (size_t)in->p);
        for (int k = 0; in->batch <= 0 && k < m; k++)
            for (int j = 0; j < in->p; j++)
                noisy[j] += models[k][j] - in->global[j];
        for (int i = 0; i < in->n; i++)
            if (out->node[i].ok)
                out->dp_report_sum += w.resp[i].dp_report;
        hl_dp_add_noise(in->dp->mechanism, noisy, in->p, in->dp->sigma * in->dp->clip,
                        in->dp->rng);
        for (int j = 0; j < in->p; j++)
            noisy[j] = in->global[j] + noisy[j] / in->dp->expected;
        models[0] = noisy;
        weights[0] = 1.0;
        m = 1;
    }
    if (in->batch > 0 && !in->dp && !in->sa) {
        /* the running sum's mean, as one model */
        if (!(w.wsum > 0) || !(single = malloc(sizeof *single * p1))) {
            rc = w.wsum > 0 ? hl_err_set(err, HELIOS_NOMEM, -1, "out of memory")
                            : hl_err_set(err, HELIOS_ERROR, -1,
                                         "round %d: the nodes' updates summed no weight",
                                         in->round);
            goto done;
        }
        for (int j = 0; j < in->p; j++)
            single[j] = in->global[j] + w.acc[j] / w.wsum;
        models[0] = single;
        weights[0] = 1.0;
        m = 1;
    }
    int arc = in->agg->aggregate(in->aggcfg, in->global, models, weights, m, in->p,
                                 in->agg_state, out->global);
    out->aggregate_seconds = hl_now_seconds() - t0;
    if (arc == -2)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (arc != 0)
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "round %d: aggregation '%s' cannot combine %d node updates",
                        in->round, in->agg->name, m);
done:
    for (int i = 0; w.resp && i < in->n; i++)
        hl_msg_clear(&w.resp[i]);
    free(w.resp);
    free(w.buf);
    free(w.acc);
    free(single);
    free(noisy);
    pthread_mutex_destroy(&w.mu);
    free(models);
    free(weights);
    return rc;
}
