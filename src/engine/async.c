/*
 * async.c - the steps of a run with async_aggregation = true; see async.h.
 *
 * Two kinds of thread share the run: its own (the coordinator: it waits
 * for K buffered updates, aggregates, evaluates and commits) and a pool of
 * workers (each takes the node idle longest, sends it the current model,
 * waits for its answer and buffers the update).  What they share is in
 * Async, under mu; the coordinator alone writes r->params, r->state and
 * the catalog.  The nodes may be sent the model only while `open`: the
 * worker that buffers the K-th update closes it, and the coordinator opens
 * it again once the step is committed, so with one worker the sequence of
 * exchanges does not depend on timing.
 */
#include "async.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "fedbuff.h"
#include "helios.h"
#include "round.h"
#include "update_codec.h"

/* A global model sent to nodes, kept while an exchange carries it. */
typedef struct Version {
    int v;                      /* its r->version */
    int refs;                   /* Async.cur's, and one an exchange holding it */
    double params[];
} Version;

/* A node the step goes without (an exchange failed, or a stale update). */
typedef struct Miss {
    int node;
    int slow;
    double seconds;
    hl_err err;
} Miss;

typedef struct Async {
    HlRun *r;
    int k;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    Version *cur;               /* the model idle nodes are sent */
    double clip;                /* record-level DP: the clip they train with (0: none) */
    int open;                   /* idle nodes may be sent the model */
    int quit;                   /* the workers stop */
    int inflight;
    int *idle;                  /* ring of nnodes: idle nodes, longest idle first */
    int idle_head, nidle;
    unsigned char *failed;      /* per node: failed since the last step */
    int nfailed;
    HlBuff buf;
    HlBuffUpdate *scratch;      /* nnodes: stale updates on their way out */
    Miss *miss;                 /* since the last step */
    int nmiss, capmiss;
    int lost;                   /* misses that did not fit in miss[] (counted only) */
    int64_t sent, received;     /* bytes of the exchanges ended since the last step */
} Async;

/* What a worker brings back from one exchange. */
typedef struct Arrival {
    HlBuffUpdate u;
    int ok, slow;
    int64_t sent, received;
    hl_err err;
} Arrival;

int hl_async_k(int batch, int round_min, int nnodes)
{
    if (batch > 0)
        return batch;
    if (round_min > 1)
        return round_min;
    return nnodes / 2 > 1 ? nnodes / 2 : 1;
}

int hl_async_check(const HlRun *r, hl_err *err)
{
    static const char use[] = "use fedavg, fedprox, fedadam, fedyogi or fedadagrad, or turn "
                              "async_aggregation off";
    if (r->agg->per_step)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "aggregation '%s' rescales the updates of a round to their mean number of local steps, and an asynchronous step mixes updates trained from different global models; %s",
                          r->agg->name, use);
    if (!r->agg->sums)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "async_aggregation hands the aggregator one staleness-weighted mean update a step, and aggregation '%s' needs each node's model; %s",
                          r->agg->name, use);
    if (r->tp.secure)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "async_aggregation weighs each update by its own staleness, and secure_aggregation shows the coordinator only the masked sum of a round's nodes (FedBuff's secure variant keeps its buffer in a trusted execution environment, which helios does not have); turn one of them off");
    if (r->dp.mechanism != HL_DP_NONE && r->dp.level == HL_DP_NODE)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "node-level differential privacy is accounted for rounds that sample their nodes independently and noise the sum of their clipped updates, and an asynchronous step takes whichever updates arrive first; use dp_level = 'record', or turn async_aggregation off");
    if ((r->per_round > 0 && r->per_round < r->nnodes) || (r->fraction > 0 && r->fraction < 1))
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "nodes_per_round and fraction_per_round choose the nodes of a synchronous round; with async_aggregation every idle node trains and a step takes the first updates to arrive (aggregation_batch_size); unset them");
    if (r->async_k > r->nnodes)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "an asynchronous step takes %d updates (%s), at most one a node, and the training has %d node%s",
                          r->async_k, r->batch > 0 ? "aggregation_batch_size" : "min_nodes_per_round",
                          r->nnodes, r->nnodes == 1 ? "" : "s");
    if (r->round_min > r->nnodes)
        return hl_err_set(err, HELIOS_OPTION, -1,
                          "min_nodes_per_round (%d) is more than the training's %d node%s: no asynchronous step could go on",
                          r->round_min, r->nnodes, r->nnodes == 1 ? "" : "s");
    return HELIOS_OK;
}

/* ---- shared state (under a->mu) --------------------------------------------- */

/* A new version holding params, with the caller's reference; NULL when out
 * of memory. */
static Version *version_new(int v, const double *params, int p)
{
    Version *x = malloc(sizeof *x + sizeof x->params[0] * (size_t)(p ? p : 1));
    if (!x)
        return NULL;
    x->v = v;
    x->refs = 1;
    memcpy(x->params, params, sizeof x->params[0] * (size_t)p);
    return x;
}

static void version_unref(Version *x)
{
    if (x && --x->refs == 0)
        free(x);
}

static void idle_push(Async *a, int i)
{
    int n = a->r->nnodes;
    a->idle[(a->idle_head + a->nidle) % n] = i;
    a->nidle++;
}

static int idle_pop(Async *a)
{
    int i = a->idle[a->idle_head];
    a->idle_head = (a->idle_head + 1) % a->r->nnodes;
    a->nidle--;
    return i;
}

/* Records a miss; err NULL: a stale update tau steps late. */
static void add_miss(Async *a, int node, int slow, double seconds, const hl_err *err, int tau)
{
    if (a->nmiss >= a->capmiss) {
        a->lost++;
        return;
    }
    Miss *m = &a->miss[a->nmiss++];
    memset(m, 0, sizeof *m);
    m->node = node;
    m->slow = slow;
    m->seconds = seconds;
    if (err)
        m->err = *err;
    else
        hl_err_set(&m->err, HELIOS_ERROR, -1,
                   "node '%s' sent an update %d steps stale, more than max_staleness (%d): dropped",
                   a->r->nodes[node]->name, tau, a->r->max_staleness);
}

/* Drops the buffered updates that the step after the current version
 * would apply more than max_staleness steps stale; their nodes are idle
 * again. */
static void drop_stale(Async *a)
{
    int n = hl_buff_drop_stale(&a->buf, a->cur->v, a->r->max_staleness, a->scratch);
    for (int i = 0; i < n; i++) {
        HlBuffUpdate *u = &a->scratch[i];
        add_miss(a, u->node, 1, u->seconds, NULL, a->cur->v - u->version);
        idle_push(a, u->node);
        hl_buff_update_clear(u);
    }
}

/* One exchange's outcome into the shared state. */
static void arrive(Async *a, Arrival *x)
{
    int i = x->u.node;
    a->inflight--;
    a->sent += x->sent;
    a->received += x->received;
    if (a->quit) {
        hl_buff_update_clear(&x->u);
        return;
    }
    if (!x->ok) {
        a->failed[i] = 1;       /* asked again after the next step */
        a->nfailed++;
        add_miss(a, i, x->slow, x->u.seconds, &x->err, 0);
        return;
    }
    int tau = a->cur->v - x->u.version;
    if (tau > a->r->max_staleness) {
        add_miss(a, i, 1, x->u.seconds, NULL, tau);
        hl_buff_update_clear(&x->u);
        idle_push(a, i);
        return;
    }
    hl_buff_push(&a->buf, &x->u);   /* room: a node has one update at most in it */
    if (a->buf.n >= a->k)
        a->open = 0;
}

/* ---- the workers ------------------------------------------------------------ */

/* The node's update as a change from the model it was sent: decoded when
 * it came compressed (update_codec.h), else its parameters minus v's.  A
 * peer's answer: checked whole.  *out is malloc'd. */
static int delta_of(const HlRun *r, const Version *v, const HlNode *node, const HlMsg *resp,
                    double **out, hl_err *err)
{
    int p = r->p, rc = HELIOS_OK;
    double *d = malloc(sizeof *d * (size_t)(p ? p : 1));
    if (!d)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (resp->update_bits) {
        HlUpdateCode c;
        rc = hl_update_code_unpack(resp->update_p, resp->update_bits, resp->update_scale,
                                   resp->update_idx, resp->update_idx_len, resp->update_values,
                                   resp->update_values_len, &c, err);
        if (rc == HELIOS_OK)
            rc = hl_update_decode(&c, p, d, err);
        hl_update_code_clear(&c);
        if (rc != HELIOS_OK)
            hl_err_prefix(err, 0, "node '%s' sent a bad update: ", node->name);
    } else if (!resp->params || resp->nparams != p) {
        rc = hl_err_set(err, HELIOS_ERROR, -1, "node '%s' sent %d parameters, expected %d",
                        node->name, resp->nparams, p);
    } else {
        for (int j = 0; j < p; j++)
            d[j] = resp->params[j] - v->params[j];
    }
    if (rc != HELIOS_OK) {
        free(d);
        return rc;
    }
    *out = d;
    return HELIOS_OK;
}

/* Node i trains from version v (outside the lock). */
static void train_node(Async *a, int i, const Version *v, double clip, Arrival *x)
{
    HlRun *r = a->r;
    HlNode *node = r->nodes[i];
    HlMsg req, resp;
    memset(&req, 0, sizeof req);
    memset(&resp, 0, sizeof resp);
    memset(x, 0, sizeof *x);
    req.type = HL_MSG_TRAIN;
    req.round = r->first_round - 1 + v->v;  /* the step it trains for: its random stream */
    req.seed = r->seed;
    req.params = (double *)v->params;       /* read only */
    req.nparams = r->p;
    req.train_config = r->train_config;
    req.clip = clip;
    req.version = v->v;
    double t0 = hl_now_seconds();
    req.deadline = r->timeout > 0 ? t0 + r->timeout : 0;
    int rc = node->ops->exchange(node, &req, &resp, &x->err);
    x->u.node = i;
    x->u.version = v->v;
    x->u.seconds = hl_now_seconds() - t0;
    x->sent = resp.wire_sent;
    x->received = resp.wire_received;
    x->slow = rc != HELIOS_OK && resp.timed_out;
    if (rc == HELIOS_OK)
        rc = delta_of(r, v, node, &resp, &x->u.delta, &x->err);
    x->ok = rc == HELIOS_OK;
    if (x->ok) {
        x->u.rows = resp.rows_train;
        x->u.weight = r->weighted ? (double)(resp.rows_train > 0 ? resp.rows_train : 0) : 1.0;
        x->u.loss_before = resp.loss_before;
        x->u.loss_after = resp.loss_after;
        x->u.dp_clip = resp.dp_clip;
    }
    hl_msg_clear(&resp);
}

static void *worker(void *arg)
{
    Async *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->quit && !(a->open && a->nidle > 0))
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->quit)
            break;
        int i = idle_pop(a);
        Version *v = a->cur;
        v->refs++;
        double clip = a->clip;
        a->inflight++;
        pthread_mutex_unlock(&a->mu);
        Arrival x;
        train_node(a, i, v, clip, &x);
        pthread_mutex_lock(&a->mu);
        version_unref(v);
        arrive(a, &x);
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* ---- the coordinator ------------------------------------------------------- */

/* Waits on a->cv (held) for at most 50 ms: STOP is not signalled. */
static void wait_briefly(Async *a)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 50 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&a->cv, &a->mu, &ts);
}

/* HlRunLoop.quiesce: no node is sent the model until the next step opens,
 * and the exchanges in flight end (their updates are buffered). */
static void quiesce(void *arg)
{
    Async *a = arg;
    pthread_mutex_lock(&a->mu);
    a->open = 0;
    while (a->inflight > 0)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
}

/* Why step `round` cannot go on (under a->mu): too few nodes left to
 * train (min_nodes_per_round), or to fill the buffer.  Names a node that
 * failed since the last step. */
static int cannot_go_on(Async *a, int round, hl_err *err)
{
    const Miss *m = NULL;
    for (int i = 0; i < a->nmiss && !m; i++)
        if (a->failed[a->miss[i].node])
            m = &a->miss[i];
    char why[300] = "";
    if (m)
        snprintf(why, sizeof why, "; node '%.40s': %.240s", a->r->nodes[m->node]->name,
                 m->err.msg);
    if (a->r->nnodes - a->nfailed < a->r->round_min)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "round %d: %d of the %d nodes failed since the last step, and min_nodes_per_round is %d%s",
                          round, a->nfailed, a->r->nnodes, a->r->round_min, why);
    return hl_err_set(err, HELIOS_ERROR, -1,
                      "round %d: %d of the %d updates an asynchronous step takes arrived, and no node is left to send one%s",
                      round, a->buf.n, a->k, why);
}

/* Opens the step: idle nodes are sent the model until K updates are
 * buffered; then takes them (into take[]).  Returns HELIOS_OK, 1 when the
 * run was stopped meanwhile, or an error. */
static int gather(Async *a, int round, HlBuffUpdate *take, hl_err *err)
{
    int rc = HELIOS_OK;
    pthread_mutex_lock(&a->mu);
    drop_stale(a);
    a->open = a->buf.n < a->k;
    pthread_cond_broadcast(&a->cv);
    while (a->buf.n < a->k && rc == HELIOS_OK) {
        if (atomic_load(&a->r->stop))
            rc = 1;
        else if ((a->inflight == 0 && a->nidle == 0)
                 || a->r->nnodes - a->nfailed < a->r->round_min)
            rc = cannot_go_on(a, round, err);
        else
            wait_briefly(a);
    }
    a->open = 0;
    if (rc == HELIOS_OK)
        hl_buff_take(&a->buf, a->k, take);
    pthread_mutex_unlock(&a->mu);
    return rc;
}

/* The median of the clips record-level DP-SGD ended with (0: none), the
 * next clip under adaptive clipping, as a synchronous round takes it; c
 * has room for k. */
static double median_clip(const HlBuffUpdate *u, int k, double *c)
{
    int n = 0;
    for (int i = 0; i < k; i++)
        if (u[i].dp_clip > 0)
            c[n++] = u[i].dp_clip;
    for (int i = 1; i < n; i++)         /* insertion sort: k is small */
        for (int j = i; j > 0 && c[j - 1] > c[j]; j--) {
            double t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    return n == 0 ? 0 : n % 2 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
}

/* The run's buffers for one step. */
typedef struct Step {
    HlBuffUpdate *take;         /* K */
    HlNode **pick;              /* K + capmiss */
    HlRoundNode *rn;
    double *mean, *single, *next;
    double *clips;              /* K */
} Step;

/* The step's new global model into s->next, from s->take (the coordinator
 * owns them); the aggregator's state moves. */
static int aggregate(Async *a, int round, Step *s, HlRoundOut *out, hl_err *err)
{
    HlRun *r = a->r;
    double t0 = hl_now_seconds();
    hl_buff_mean(s->take, a->k, a->cur->v, r->p, s->mean);
    for (int j = 0; j < r->p; j++)
        s->single[j] = r->params[j] + s->mean[j];
    const double *models[1] = { s->single };
    double one = 1.0;
    int arc = r->agg->aggregate(&r->aggcfg, r->params, models, &one, 1, r->p, r->state, s->next);
    out->aggregate_seconds = hl_now_seconds() - t0;
    if (arc == -2)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (arc != 0)
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "round %d: aggregation '%s' cannot combine the step's mean update",
                          round, r->agg->name);
    return HELIOS_OK;
}

/* The step as a round for the catalog: the K applied updates, then the
 * misses (under a->mu: they are reset for the next step).  Returns m. */
static int describe(Async *a, Step *s, HlRoundOut *out)
{
    HlRun *r = a->r;
    int m = 0;
    for (int i = 0; i < a->k; i++, m++) {
        const HlBuffUpdate *u = &s->take[i];
        s->pick[m] = r->nodes[u->node];
        s->rn[m] = (HlRoundNode){ .ok = 1, .rows = u->rows, .loss_before = u->loss_before,
                                  .loss_after = u->loss_after, .seconds = u->seconds };
    }
    for (int i = 0; i < a->nmiss; i++, m++) {
        const Miss *x = &a->miss[i];
        s->pick[m] = r->nodes[x->node];
        s->rn[m] = (HlRoundNode){ .slow = x->slow, .seconds = x->seconds, .err = x->err };
    }
    out->participated = a->k;
    out->dropped = a->nmiss + a->lost;
    out->bytes_sent = a->sent;
    out->bytes_received = a->received;
    hl_buff_losses(s->take, a->k, &out->loss, &out->node_variance);
    a->nmiss = a->lost = 0;
    a->sent = a->received = 0;
    return m;
}

/* The new model is the one idle nodes get; the step's nodes, and those
 * that failed since the last one, are idle again. */
static void publish(Async *a, Version *nv, Step *s)
{
    HlRun *r = a->r;
    version_unref(a->cur);
    a->cur = nv;
    for (int i = 0; i < a->k; i++)
        idle_push(a, s->take[i].node);
    for (int i = 0; i < r->nnodes; i++)
        if (a->failed[i]) {
            a->failed[i] = 0;
            idle_push(a, i);
        }
    a->nfailed = 0;
    if (r->dp.mechanism != HL_DP_NONE)
        a->clip = r->clip.clip;
}

/* One step: gather, aggregate, publish, then the round's end (evaluation,
 * commit).  Returns 1 to go on, 0 when the run ends (*status). */
static int step(Async *a, sqlite3 *db, HlRunLoop *loop, Step *s, int round, HlRunStatus *status,
                hl_err *err)
{
    HlRun *r = a->r;
    double t0 = hl_now_seconds(), c0 = hl_cpu_seconds(), spent;
    if (hl_eng_round_charge(r, db, round, &spent, status, err) != HELIOS_OK)
        return 0;
    int rc = gather(a, round, s->take, err);
    if (rc != HELIOS_OK) {
        *status = rc == 1 ? HL_RUN_STOPPED : HL_RUN_FAILED;
        return 0;
    }
    HlRoundOut out = { .global = s->next, .node = s->rn };
    out.train_seconds = hl_now_seconds() - t0;
    rc = aggregate(a, round, s, &out, err);
    Version *nv = rc == HELIOS_OK ? version_new(r->version + 1, s->next, r->p) : NULL;
    if (rc == HELIOS_OK && !nv)
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK && r->dp.adaptive)
        out.dp_clip = median_clip(s->take, a->k, s->clips);
    if (out.dp_clip > 0)
        r->clip.clip = out.dp_clip;
    pthread_mutex_lock(&a->mu);
    int m = describe(a, s, &out);
    if (rc == HELIOS_OK)
        publish(a, nv, s);
    pthread_mutex_unlock(&a->mu);
    for (int i = 0; i < a->k; i++)
        hl_buff_update_clear(&s->take[i]);
    if (rc != HELIOS_OK) {
        *status = HL_RUN_FAILED;
        return 0;
    }
    double c1 = hl_cpu_seconds();
    memcpy(r->params, s->next, sizeof *s->next * (size_t)r->p);
    r->version++;
    HlRoundEnd end = { .round = round, .pick = s->pick, .m = m, .out = &out, .t0 = t0,
                       .c0 = c0, .c1 = c1, .spent = spent };
    return hl_eng_round_end(r, db, loop, &end, status, err);
}

/* Sets up a (the nodes idle in node order, the current model); starts no
 * thread. */
static int async_init(Async *a, HlRun *r, hl_err *err)
{
    memset(a, 0, sizeof *a);
    a->r = r;
    a->k = r->async_k;
    a->capmiss = 3 * r->nnodes;     /* a node misses at most twice between two steps */
    a->clip = r->dp.mechanism != HL_DP_NONE ? r->clip.clip : 0;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    size_t n = (size_t)r->nnodes;
    a->idle = malloc(sizeof *a->idle * n);
    a->failed = calloc(n, 1);
    a->scratch = calloc(n, sizeof *a->scratch);
    a->miss = calloc((size_t)a->capmiss, sizeof *a->miss);
    a->cur = version_new(r->version, r->params, r->p);
    if (!a->idle || !a->failed || !a->scratch || !a->miss || !a->cur)
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (hl_buff_init(&a->buf, r->nnodes, err) != HELIOS_OK)
        return err->code;
    for (int i = 0; i < r->nnodes; i++)
        idle_push(a, i);
    return HELIOS_OK;
}

static void async_free(Async *a)
{
    hl_buff_free(&a->buf);
    version_unref(a->cur);
    free(a->idle);
    free(a->failed);
    free(a->scratch);
    free(a->miss);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
}

HlRunStatus hl_async_rounds(HlRun *r, sqlite3 *db, HlRunLoop *loop, hl_err *err)
{
    Async a;
    HlRunStatus status = HL_RUN_COMPLETED;
    size_t p1 = (size_t)(r->p ? r->p : 1), m1 = (size_t)(r->async_k + 3 * r->nnodes);
    Step s = {
        .take = calloc((size_t)r->async_k, sizeof *s.take), .pick = calloc(m1, sizeof *s.pick),
        .rn = calloc(m1, sizeof *s.rn), .mean = malloc(sizeof *s.mean * p1),
        .single = malloc(sizeof *s.single * p1), .next = malloc(sizeof *s.next * p1),
        .clips = calloc((size_t)r->async_k, sizeof *s.clips),
    };
    pthread_t tid[256];
    int started = 0;
    if (async_init(&a, r, err) != HELIOS_OK)
        status = HL_RUN_FAILED;
    else if (!s.take || !s.pick || !s.rn || !s.mean || !s.single || !s.next || !s.clips) {
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
        status = HL_RUN_FAILED;
    }
    int threads = hl_round_threads_for(r->nodes, r->nnodes);
    if (threads > r->nnodes)
        threads = r->nnodes;
    for (int t = 0; status == HL_RUN_COMPLETED && t < threads && t < 256; t++)
        if (pthread_create(&tid[started], NULL, worker, &a) == 0)
            started++;
    if (status == HL_RUN_COMPLETED && started == 0) {
        hl_err_set(err, HELIOS_ERROR, -1, "cannot start the threads of asynchronous aggregation");
        status = HL_RUN_FAILED;
    }
    loop->quiesce = quiesce;
    loop->quiesce_arg = &a;
    for (int round = r->first_round; status == HL_RUN_COMPLETED && round <= r->rounds; round++) {
        if (atomic_load(&r->stop)) {
            status = HL_RUN_STOPPED;
            break;
        }
        if (!step(&a, db, loop, &s, round, &status, err))
            break;
    }
    /* The exchanges in flight end (remote ones by their deadline); what
     * they bring is discarded. */
    pthread_mutex_lock(&a.mu);
    a.quit = 1;
    a.open = 0;
    pthread_cond_broadcast(&a.cv);
    pthread_mutex_unlock(&a.mu);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    loop->quiesce = NULL;
    async_free(&a);
    free(s.take);
    free(s.pick);
    free(s.rn);
    free(s.mean);
    free(s.single);
    free(s.next);
    free(s.clips);
    return status;
}
