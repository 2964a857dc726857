/*
 * train.c - see train.h: one node's local training in one round.
 *
 * Each of local_epochs passes draws a fresh permutation of the node's rows
 * from the caller's stream (seeded for (seed, round, node, SHUFFLE)) and
 * walks it in minibatches of batch_size rows, the last one smaller.  A
 * step takes the batch's mean gradient g, adds mu (w - w_global) when
 * FedProx's proximal term is on (Li et al. 2020, eq. 2: the gradient of
 * mu/2 ||w - w_global||^2), and updates w with the local optimizer:
 *
 *   sgd       w -= lr g
 *   momentum  v = 0.9 v + g;  w -= lr v                  (heavy ball, Polyak 1964)
 *   adam      m = 0.9 m + 0.1 g;  v = 0.999 v + 0.001 g^2;
 *             w -= lr m^ / (sqrt(v^) + 1e-8), m^ and v^ bias-corrected
 *             by 1 - beta^t                              (Kingma & Ba 2015, Alg. 1)
 *
 * Optimizer state starts at zero every round: a node keeps nothing between
 * rounds, so dropping out or being selected again changes nothing.
 *
 * adaptive_learning.  With it on, the learning rate of a node's t-th local
 * step in the round (t = 0, 1, ...) is
 *
 *     lr_t = learning_rate / sqrt(1 + t)
 *
 * the classic step size of stochastic gradient methods (Zinkevich 2003;
 * Nemirovski et al. 2009).  Why this one: a node with many rows takes many
 * local steps and, at a constant rate, drifts far from the global model
 * toward its own optimum ("client drift", Karimireddy et al. 2020), which is
 * the heterogeneity FedNova (Wang et al. 2020) corrects at the server.  The
 * decay lets a node's total movement grow like sqrt(steps) rather than
 * linearly, needs nothing but the node's own step count, and leaves small
 * nodes (one or two steps) almost at the configured rate.  The count starts
 * again each round, as the optimizer state does.  It applies to every
 * optimizer (for Adam it scales the step size alpha).
 */
#include "train.h"

#include <stdlib.h>
#include <string.h>

#define MOMENTUM 0.9
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8

/* Everything a call needs, allocated once. */
typedef struct Work {
    double *grad, *m, *v, *scratch;
    uint32_t *perm;
    int *rows;
} Work;

static void work_free(Work *w)
{
    free(w->grad);
    free(w->m);
    free(w->v);
    free(w->scratch);
    free(w->perm);
    free(w->rows);
}

static int work_alloc(Work *w, size_t np, size_t nscratch, HlOptim optim, int n)
{
    memset(w, 0, sizeof *w);
    w->grad = malloc(np * sizeof *w->grad);
    if (optim == HL_OPTIM_MOMENTUM || optim == HL_OPTIM_ADAM)
        w->m = calloc(np, sizeof *w->m);
    if (optim == HL_OPTIM_ADAM)
        w->v = calloc(np, sizeof *w->v);
    if (nscratch > 0)
        w->scratch = malloc(nscratch * sizeof *w->scratch);
    w->perm = malloc(((size_t)n + 1) * sizeof *w->perm);
    w->rows = malloc(((size_t)n + 1) * sizeof *w->rows);
    if (!w->grad || (!w->m && optim != HL_OPTIM_SGD) || (!w->v && optim == HL_OPTIM_ADAM)
        || (!w->scratch && nscratch > 0) || !w->perm || !w->rows) {
        work_free(w);
        return -1;
    }
    return 0;
}

/* The mean loss of params over all n rows (rows[] holds 0..n-1). */
static double full_loss(const HlModelOps *ops, const HlModelSpec *spec, const HlDataset *ds,
                        const double *params, int *rows, double *scratch)
{
    for (int i = 0; i < ds->n; i++)
        rows[i] = i;
    return ops->loss_grad_ws(spec, params, ds, rows, ds->n, NULL, scratch);
}

/* One optimizer step on w with gradient g; bias1 and bias2 are Adam's
 * 1 - beta1^t and 1 - beta2^t, t counting steps from 1. */
static void step(HlOptim optim, double lr, double *w, const double *g, double *m,
                 double *v, size_t np, double bias1, double bias2)
{
    switch (optim) {
    case HL_OPTIM_MOMENTUM:
        for (size_t j = 0; j < np; j++) {
            m[j] = MOMENTUM * m[j] + g[j];
            w[j] -= lr * m[j];
        }
        break;
    case HL_OPTIM_ADAM:
        for (size_t j = 0; j < np; j++) {
            m[j] = ADAM_BETA1 * m[j] + (1.0 - ADAM_BETA1) * g[j];
            v[j] = ADAM_BETA2 * v[j] + (1.0 - ADAM_BETA2) * g[j] * g[j];
            w[j] -= lr * (m[j] / bias1) / (sqrt(v[j] / bias2) + ADAM_EPS);
        }
        break;
    default:
        for (size_t j = 0; j < np; j++)
            w[j] -= lr * g[j];
        break;
    }
}

int hl_train_local(const HlModelOps *ops, const HlModelSpec *spec, const HlTrainConfig *cfg,
                   const HlDataset *ds, const double *global, double *params, HlRng *rng,
                   HlTrainResult *res)
{
    const int np_int = ops->nparams(spec), n = ds->n;
    const int bs = cfg->batch_size;
    Work w;
    if (np_int < 0 || n < 0 || bs < 1 || cfg->local_epochs < 0)
        return -1;
    const size_t np = (size_t)np_int;
    if (work_alloc(&w, np, ops->work_size(spec), cfg->optimizer, n) != 0)
        return -1;

    if (res) {
        res->loss_before = full_loss(ops, spec, ds, params, w.rows, w.scratch);
        res->steps = 0;
    }
    long t = 0;
    double pow1 = 1.0, pow2 = 1.0;      /* beta1^t, beta2^t for Adam's bias correction */
    for (int epoch = 0; epoch < cfg->local_epochs && n > 0; epoch++) {
        for (int i = 0; i < n; i++)
            w.perm[i] = (uint32_t)i;
        hl_rng_shuffle(rng, w.perm, (size_t)n);
        for (int i = 0; i < n; i++)
            w.rows[i] = (int)w.perm[i];
        for (int start = 0; start < n; start += bs) {
            int m = n - start < bs ? n - start : bs;
            ops->loss_grad_ws(spec, params, ds, w.rows + start, m, w.grad, w.scratch);
            if (cfg->proximal_mu > 0.0)
                for (size_t j = 0; j < np; j++)
                    w.grad[j] += cfg->proximal_mu * (params[j] - global[j]);
            double lr = cfg->learning_rate;
            if (cfg->adaptive)
                lr /= sqrt(1.0 + (double)t);
            t++;
            pow1 *= ADAM_BETA1;
            pow2 *= ADAM_BETA2;
            step(cfg->optimizer, lr, params, w.grad, w.m, w.v, np, 1.0 - pow1, 1.0 - pow2);
        }
    }
    if (res) {
        res->loss_after = full_loss(ops, spec, ds, params, w.rows, w.scratch);
        res->steps = (int)t;
    }
    work_free(&w);
    return 0;
}
