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
 *
 * DP-SGD (cfg->dp on; Abadi et al. 2016, "Deep Learning with Differential
 * Privacy", Alg. 1).  A local epoch is T = max(1, round(n / batch_size))
 * steps.  Each step draws its batch by Poisson sampling, every row
 * independently with probability q = min(1, batch_size / n), which is what
 * the subsampled-Gaussian accountant assumes (Mironov, Talwar & Zhang
 * 2019); computes each sampled row's gradient alone (loss_grad with
 * m = 1); clips it to norm C (L2 for Gaussian noise, L1 for Laplace);
 * sums; adds N(0, (z C)^2), resp. Laplace(z C), to every coordinate; and
 * divides by the expected batch size q n = min(batch_size, n), not by the
 * batch drawn, whose size would itself reveal a row (Opacus does the
 * same: DPOptimizer.scale_grad divides by expected_batch_size under
 * Poisson sampling, opacus/optimizers/optimizer.py).  An empty batch still
 * adds its noise and takes its step: skipping it would show that no row
 * was drawn.
 *
 * The l2_regularization term depends on no row, so it is kept out of the
 * clipped per-row gradients (they are computed with l2 = 0) and its
 * gradient (loss_grad with m = 0) is added after the noise: clipping it
 * would bias it, and noising it is useless.  The proximal term, the
 * schedule and the optimizer then act on the noisy gradient as they act on
 * the exact one (post-processing: they cost no privacy).  Batches and
 * noise both come from the caller's stream; no step allocates.
 *
 * Adaptive clipping (cfg->dp.adaptive, Gaussian only; Andrew, Thakkar,
 * McMahan & Ramaswamy 2021, "Differentially Private Learning with Adaptive
 * Clipping", Alg. 1 with the geometric update, applied to DP-SGD as
 * TF-Privacy's QuantileAdaptiveClipSumQuery is: the rows of a step are the
 * paper's users, the step its round).  Each step clips at the current C_t
 * and every sampled row also reports b_i - 1/2 = +1/2 when its gradient's
 * norm before clipping was <= C_t, else -1/2 (hl_dp_adaptive_report).  The
 * step's report sum gets N(0, sigma_b^2) and gives the noisy fraction
 *
 *     b~ = clamp(sum / (q n) + 1/2, 0, 1)
 *
 * (q n the expected batch, the paper's m: dividing by the batch drawn
 * would leak it), and the next step clips at
 *
 *     C_{t+1} = C_t exp(-eta (b~ - gamma))
 *
 * (hl_dp_adaptive_update): more rows clipped than 1 - gamma makes C grow,
 * fewer makes it shrink.  Defaults are the paper's: gamma 0.5, eta 0.2,
 * sigma_b = m / 20 with m = q n, raised to z when m / 20 < z (the paper's
 * default cannot carry a noise multiplier above m / 10; with sigma_b = z,
 * z_Delta = z / sqrt(3/4)).  Adding or removing a row moves the
 * gradient sum by at most C_t and the report sum by at most 1/2, so the
 * pair released by a step, noised at z_Delta C_t and sigma_b, is one
 * Gaussian mechanism of multiplier (z_Delta^-2 + (2 sigma_b)^-2)^(-1/2)
 * (Thm. 1).  The gradient sum is noised at z_Delta of that equation with
 * the configured multiplier z on the left (hl_dp_adaptive_multiplier), so
 * the accountant costs a step at z exactly as with a fixed clip; there is
 * no such z_Delta when 2 sigma_b <= z (the count alone would spend the
 * budget) and the call is refused (hl_train_dp_adaptive_check).  Per step
 * the stream gives: the n sampling uniforms, the gradient noise, then the
 * count's one normal.  C_t is a function of the noisy counts only, so the
 * final C (res->clip) is post-processing and may leave the node.  The clip
 * starts at dp.clip on every call: carrying it between rounds is the
 * caller's business.
 */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MOMENTUM 0.9
#define ADAM_BETA1 0.9
#define ADAM_BETA2 0.999
#define ADAM_EPS 1e-8

/* Everything a call needs, allocated once. */
typedef struct Work {
    double *grad, *m, *v, *scratch;
    double *row, *reg;          /* DP-SGD: one row's gradient, the l2 term's */
    uint32_t *perm;
    int *rows;
} Work;

static void work_free(Work *w)
{
    free(w->grad);
    free(w->m);
    free(w->v);
    free(w->scratch);
    free(w->row);
    free(w->reg);
    free(w->perm);
    free(w->rows);
}

static int work_alloc(Work *w, size_t np, size_t nscratch, HlOptim optim, int n, int dp)
{
    memset(w, 0, sizeof *w);
    w->grad = malloc(np * sizeof *w->grad);
    if (optim == HL_OPTIM_MOMENTUM || optim == HL_OPTIM_ADAM)
        w->m = calloc(np, sizeof *w->m);
    if (optim == HL_OPTIM_ADAM)
        w->v = calloc(np, sizeof *w->v);
    if (nscratch > 0)
        w->scratch = malloc(nscratch * sizeof *w->scratch);
    if (dp) {
        w->row = malloc((np + 1) * sizeof *w->row);
        w->reg = malloc((np + 1) * sizeof *w->reg);
    }
    w->perm = malloc(((size_t)n + 1) * sizeof *w->perm);
    w->rows = malloc(((size_t)n + 1) * sizeof *w->rows);
    if (!w->grad || (!w->m && optim != HL_OPTIM_SGD) || (!w->v && optim == HL_OPTIM_ADAM)
        || (!w->scratch && nscratch > 0) || (dp && (!w->row || !w->reg)) || !w->perm
        || !w->rows) {
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

/* Where the optimizer is in the round: steps taken, and beta1^t, beta2^t
 * for Adam's bias correction. */
typedef struct Progress {
    long t;
    double pow1, pow2;
} Progress;

/* One step from the gradient in w->grad: FedProx's pull, the schedule,
 * the optimizer. */
static void take_step(const HlTrainConfig *cfg, const double *global, double *params, Work *w,
                      size_t np, Progress *pr)
{
    if (cfg->proximal_mu > 0.0)
        for (size_t j = 0; j < np; j++)
            w->grad[j] += cfg->proximal_mu * (params[j] - global[j]);
    double lr = cfg->learning_rate;
    if (cfg->adaptive)
        lr /= sqrt(1.0 + (double)pr->t);
    pr->t++;
    pr->pow1 *= ADAM_BETA1;
    pr->pow2 *= ADAM_BETA2;
    step(cfg->optimizer, lr, params, w->grad, w->m, w->v, np, 1.0 - pr->pow1, 1.0 - pr->pow2);
}

/* local_epochs passes over a fresh permutation, in minibatches of bs. */
static void train_minibatch(const HlModelOps *ops, const HlModelSpec *spec,
                            const HlTrainConfig *cfg, const HlDataset *ds, const double *global,
                            double *params, HlRng *rng, Work *w, size_t np, Progress *pr)
{
    const int n = ds->n, bs = cfg->batch_size;
    for (int epoch = 0; epoch < cfg->local_epochs && n > 0; epoch++) {
        for (int i = 0; i < n; i++)
            w->perm[i] = (uint32_t)i;
        hl_rng_shuffle(rng, w->perm, (size_t)n);
        for (int i = 0; i < n; i++)
            w->rows[i] = (int)w->perm[i];
        for (int start = 0; start < n; start += bs) {
            int m = n - start < bs ? n - start : bs;
            ops->loss_grad_ws(spec, params, ds, w->rows + start, m, w->grad, w->scratch);
            take_step(cfg, global, params, w, np, pr);
        }
    }
}

/* The rows of one Poisson-sampled batch into rows[]; returns how many. */
static int poisson_sample(HlRng *rng, double q, int n, int *rows)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (hl_rng_uniform(rng) < q)
            rows[k++] = i;
    return k;
}

/* One DP-SGD gradient into w->grad from the k rows in w->rows: the
 * per-row gradients (bare: spec without l2) clipped to C, summed, noised
 * at z C, divided by the expected batch size, plus the l2 term's gradient.
 * Returns the sum of the rows' adaptive-clipping reports against C. */
static double dp_gradient(const HlModelOps *ops, const HlModelSpec *spec, const HlModelSpec *bare,
                          HlDpMechanism mech, double C, double z, const HlDataset *ds,
                          const double *params, int k, double expected, HlRng *rng, Work *w,
                          size_t np)
{
    double reports = 0.0;
    memset(w->grad, 0, np * sizeof *w->grad);
    for (int i = 0; i < k; i++) {
        ops->loss_grad_ws(bare, params, ds, w->rows + i, 1, w->row, w->scratch);
        reports += hl_dp_adaptive_report(hl_dp_clip(mech, w->row, (int)np, C), C);
        for (size_t j = 0; j < np; j++)
            w->grad[j] += w->row[j];
    }
    hl_dp_add_noise(mech, w->grad, (int)np, z * C, rng);
    for (size_t j = 0; j < np; j++)
        w->grad[j] /= expected;
    if (spec->l2 != 0.0) {
        ops->loss_grad_ws(spec, params, ds, w->rows, 0, w->reg, w->scratch);
        for (size_t j = 0; j < np; j++)
            w->grad[j] += w->reg[j];
    }
    return reports;
}

/* The adaptive clip's state for n rows: C = dp.clip, m = q n, and gamma,
 * eta, sigma_b as configured or, where 0, the paper's defaults. */
static void adaptive_init(const HlTrainConfig *cfg, int n, HlDpAdaptiveClip *a)
{
    const double expected = cfg->batch_size < n ? cfg->batch_size : n;     /* q n */
    hl_dp_adaptive_init(a, cfg->dp.clip, expected);
    if (cfg->dp.target_quantile > 0.0)
        a->target = cfg->dp.target_quantile;
    if (cfg->dp.clip_lr > 0.0)
        a->lr = cfg->dp.clip_lr;
    if (cfg->dp.count_stddev > 0.0)
        a->count_stddev = cfg->dp.count_stddev;
    else if (a->count_stddev < cfg->dp.noise_multiplier)
        /* m / 20 cannot carry a large z (Thm. 1 needs 2 sigma_b > z): then
         * sigma_b = z, which costs the gradient sum z_Delta = z / sqrt(3/4),
         * 15% more noise, and keeps the count as private as the sum. */
        a->count_stddev = cfg->dp.noise_multiplier;
}

/* DP-SGD: hl_train_dp_steps() steps on Poisson samples at rate q, the
 * gradient sums noised at z (z_Delta with adaptive clipping).  Returns
 * the clip the node ends with. */
static double train_dp(const HlModelOps *ops, const HlModelSpec *spec, const HlTrainConfig *cfg,
                       const HlDataset *ds, const double *global, double *params, HlRng *rng,
                       double z, Work *w, size_t np, Progress *pr)
{
    const long steps = hl_train_dp_steps(cfg, ds->n);
    const double q = hl_train_dp_sample_rate(cfg, ds->n);
    const double expected = cfg->batch_size < ds->n ? cfg->batch_size : ds->n;     /* q n */
    HlModelSpec bare = *spec;
    HlDpAdaptiveClip a;
    bare.l2 = 0.0;
    adaptive_init(cfg, ds->n, &a);
    for (long s = 0; s < steps; s++) {
        int k = poisson_sample(rng, q, ds->n, w->rows);
        double reports = dp_gradient(ops, spec, &bare, cfg->dp.mechanism, a.clip, z, ds, params,
                                     k, expected, rng, w, np);
        if (cfg->dp.adaptive)
            hl_dp_adaptive_update(&a, reports, rng);
        take_step(cfg, global, params, w, np, pr);
    }
    return a.clip;
}

static int dp_config_ok(const HlDpSgdConfig *dp)
{
    if (dp->mechanism == HL_DP_NONE)
        return 1;
    if (!((dp->mechanism == HL_DP_GAUSSIAN || dp->mechanism == HL_DP_LAPLACE)
          && dp->clip > 0.0 && isfinite(dp->clip) && dp->noise_multiplier >= 0.0
          && isfinite(dp->noise_multiplier)))
        return 0;
    if (!dp->adaptive)
        return 1;
    return dp->mechanism == HL_DP_GAUSSIAN && dp->target_quantile >= 0.0
           && dp->target_quantile <= 1.0 && dp->clip_lr >= 0.0 && isfinite(dp->clip_lr)
           && dp->count_stddev >= 0.0 && isfinite(dp->count_stddev);
}

int hl_train_dp_adaptive_check(const HlTrainConfig *cfg, int n, double *z_delta)
{
    const HlDpSgdConfig *dp = &cfg->dp;
    double z = dp->noise_multiplier;
    if (!dp_config_ok(dp))
        return -1;
    if (dp->mechanism == HL_DP_NONE) {
        z = 0.0;
    } else if (dp->adaptive && hl_train_dp_steps(cfg, n) > 0) {
        HlDpAdaptiveClip a;
        adaptive_init(cfg, n, &a);
        if (hl_dp_adaptive_multiplier(dp->noise_multiplier, a.count_stddev, &z) != 0)
            return -1;
    }
    if (z_delta)
        *z_delta = z;
    return 0;
}

long hl_train_dp_steps(const HlTrainConfig *cfg, int n)
{
    const long bs = cfg->batch_size;
    if (n <= 0 || bs < 1 || cfg->local_epochs < 0)
        return 0;
    long per_epoch = (2L * n + bs) / (2 * bs);      /* n / bs rounded half up */
    if (per_epoch < 1)
        per_epoch = 1;
    return per_epoch * cfg->local_epochs;
}

double hl_train_dp_sample_rate(const HlTrainConfig *cfg, int n)
{
    if (n <= 0 || cfg->batch_size < 1)
        return 0.0;
    return cfg->batch_size < n ? (double)cfg->batch_size / n : 1.0;
}

int hl_train_local(const HlModelOps *ops, const HlModelSpec *spec, const HlTrainConfig *cfg,
                   const HlDataset *ds, const double *global, double *params, HlRng *rng,
                   HlTrainResult *res)
{
    const int np_int = ops->nparams(spec), n = ds->n;
    const int dp = cfg->dp.mechanism != HL_DP_NONE;
    double z = 0.0, clip = 0.0;
    Work w;
    if (np_int < 0 || n < 0 || cfg->batch_size < 1 || cfg->local_epochs < 0
        || hl_train_dp_adaptive_check(cfg, n, &z) != 0)
        return -1;
    const size_t np = (size_t)np_int;
    if (work_alloc(&w, np, ops->work_size(spec), cfg->optimizer, n, dp) != 0)
        return -1;

    if (res) {
        res->loss_before = full_loss(ops, spec, ds, params, w.rows, w.scratch);
        res->steps = 0;
    }
    Progress pr = { 0, 1.0, 1.0 };
    if (dp)
        clip = train_dp(ops, spec, cfg, ds, global, params, rng, z, &w, np, &pr);
    else
        train_minibatch(ops, spec, cfg, ds, global, params, rng, &w, np, &pr);
    if (res) {
        res->loss_after = full_loss(ops, spec, ds, params, w.rows, w.scratch);
        res->steps = (int)pr.t;
        res->clip = clip;
    }
    work_free(&w);
    return 0;
}
