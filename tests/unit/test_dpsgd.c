/*
 * test_dpsgd.c - DP-SGD in local training (ml/train.c, cfg.dp): record-level
 * differential privacy.  Its step against one worked out by hand, its
 * per-row clipping bound, its Poisson sampling rate and its noise scale
 * against their binomial and sampling errors, empty batches, step counts
 * and determinism, and its refusals; adaptive clipping's direction, its
 * clip sequence and noise replayed from a twin of the stream, its z_Delta
 * noise scale, the quantile it settles at, and its refusals.  Training
 * without DP is in test_train.c.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "ml/train.h"
#include "train_helpers.h"

/* ---- DP-SGD ----------------------------------------------------------------- */

static HlTrainConfig dp_config(HlDpMechanism mech, int epochs, int batch, double lr, double clip,
                               double z)
{
    HlTrainConfig cfg = config(HL_OPTIM_SGD, epochs, batch, lr);
    cfg.dp = (HlDpSgdConfig){ .mechanism = mech, .clip = clip, .noise_multiplier = z };
    return cfg;
}

/* How many of the first n uniforms of a twin of the stream fall below q:
 * the batch of a DP-SGD call's first step (each step draws n uniforms for
 * its Poisson sample, then its noise). */
static int first_batch(HlRng twin, int n, double q)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += hl_rng_uniform(&twin) < q;
    return k;
}

/*
 * One DP-SGD step by hand on the two logistic rows (x = 2, y = 1 and
 * x = -1, y = 0), batch_size 2: q = min(1, 2/2) = 1, so both rows are in
 * the one step (round(2/2) = 1), and noise_multiplier 0.
 *
 * Gaussian, C = 0.8, from (0, 0): both rows predict 1/2, so the per-row
 * gradients (p - y)[x, 1] are g0 = (-1, -1/2), L2 norm sqrt(1.25) > 0.8,
 * clipped to s g0 with s = 0.8/sqrt(1.25), and g1 = (-1/2, 1/2), norm
 * 0.707 < 0.8, kept.  The step divides by q n = 2:
 *   w = -0.1 (s g0 + g1) / 2 = 0.05 (s + 1/2, s/2 - 1/2)
 * (without DP it is (0.075, 0), test_sgd_step).
 *
 * Laplace, C = 0.8: L1 norms 1.5 and 1, both clipped, to (0.8/1.5) g0 and
 * 0.8 g1:  w = -0.1 ((0.8/1.5) g0 + 0.8 g1) / 2.
 *
 * Gaussian with l2 = 0.5, from (0.4, 0.1): logits 0.9 and -0.3, so
 * g0 = (s(0.9) - 1)(2, 1) and g1 = s(-0.3)(-1, 1) (s the sigmoid), each
 * clipped to 0.8 by its own norm; their mean, then the l2 gradient
 * (0.5 * 0.4, 0) added unclipped:  w -= 0.1 (mean + (0.2, 0)).
 */
static double sigm(double z)
{
    return 1 / (1 + exp(-z));
}

static void clip_by_hand(double *g, double C)
{
    double norm = sqrt(g[0] * g[0] + g[1] * g[1]);
    if (norm > C) {
        g[0] *= C / norm;
        g[1] *= C / norm;
    }
}

static void test_dp_step_by_hand(void)
{
    const double zero[2] = { 0, 0 };
    double w[2] = { 0, 0 };
    HlTrainResult res;
    HlRng r;
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, 1, 2, 0.1, 0.8, 0.0);
    CHECK_INT(hl_train_dp_steps(&cfg, 2), 1);
    CHECK(hl_train_dp_sample_rate(&cfg, 2) == 1.0);
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &lds, zero, w, &r, &res), 0);
    const double s = 0.8 / sqrt(1.25);
    CHECK_INT(res.steps, 1);
    CHECK_NEAR(w[0], 0.05 * (s + 0.5), 1e-16);
    CHECK_NEAR(w[1], 0.05 * (s / 2 - 0.5), 1e-16);
    CHECK_NEAR(res.loss_before, log(2.0), 1e-15);

    cfg.dp.mechanism = HL_DP_LAPLACE;
    w[0] = w[1] = 0;
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &lds, zero, w, &r, NULL), 0);
    CHECK_NEAR(w[0], -0.05 * (0.8 / 1.5 * -1 + 0.8 * -0.5), 1e-16);
    CHECK_NEAR(w[1], -0.05 * (0.8 / 1.5 * -0.5 + 0.8 * 0.5), 1e-16);

    HlModelSpec l2spec = lspec;
    l2spec.l2 = 0.5;
    cfg.dp.mechanism = HL_DP_GAUSSIAN;
    const double start[2] = { 0.4, 0.1 };
    memcpy(w, start, sizeof w);
    CHECK_INT(hl_train_local(&hl_model_logistic, &l2spec, &cfg, &lds, start, w, &r, NULL), 0);
    double g0[2] = { (sigm(0.9) - 1) * 2, sigm(0.9) - 1 };
    double g1[2] = { -sigm(-0.3), sigm(-0.3) };
    clip_by_hand(g0, 0.8);
    clip_by_hand(g1, 0.8);
    CHECK_NEAR(w[0], 0.4 - 0.1 * ((g0[0] + g1[0]) / 2 + 0.5 * 0.4), 1e-15);
    CHECK_NEAR(w[1], 0.1 - 0.1 * ((g0[1] + g1[1]) / 2), 1e-15);
}

/*
 * No row contributes more than C.  Linear regression on rows with x = 0
 * and y = -1e6 (i + 1): at b near 0 every row's gradient is (0, r_i) with
 * r_i ~ 1e6 (i + 1), all parallel, each clipped to (0, C).  So a step with
 * k rows moves b by exactly lr C k / (q n): the per-row bound, attained.
 * (Clipping the sum instead would move it by lr C / (q n); no clipping, by
 * ~1e6 times more.)  n = 50, batch 40: q = 0.8, one step (round(1.25)), k
 * read from a twin of the stream.
 */
enum { CN = 50 };

static void test_dp_clip_bound_parallel(void)
{
    double x[CN], y[CN];
    for (int i = 0; i < CN; i++) {
        x[i] = 0;
        y[i] = -1e6 * (i + 1);
    }
    const HlDataset ds = { .n = CN, .d = 1, .x = x, .y = y };
    const double zero[2] = { 0, 0 }, lr = 0.1, C = 0.5, qn = 40;
    double w[2] = { 0, 0 };
    HlTrainResult res;
    HlRng r;
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, 1, 40, lr, C, 0.0);
    hl_rng_seed(&r, 3, 1, 2, HL_RNG_SHUFFLE);
    int k = first_batch(r, CN, 0.8);
    CHECK(k > 1 && k < CN);
    CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
    CHECK_INT(res.steps, 1);
    CHECK(w[0] == 0.0);
    CHECK_NEAR(-w[1], lr * C * k / qn, 1e-13);

    cfg.dp.mechanism = HL_DP_LAPLACE;   /* one nonzero coordinate: L1 = L2 */
    w[0] = w[1] = 0;
    hl_rng_seed(&r, 3, 1, 3, HL_RNG_SHUFFLE);
    k = first_batch(r, CN, 0.8);
    CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
    CHECK_NEAR(-w[1], lr * C * k / qn, 1e-13);
}

/*
 * The same bound when the gradients point every which way: rows of a
 * neural network and of a logistic regression with features of size ~1e3
 * (gradients of norm ~1e3 against C = 0.5).  One step, noise 0: the
 * parameters move by at most lr C k / (q n), in L2 for Gaussian and in L1
 * for Laplace, and by less (the clipped gradients are not parallel).
 */
static void test_dp_clip_bound_general(void)
{
    enum { N = 30, D = 3 };
    double x[N * D], y[N];
    HlRng g;
    hl_rng_seed(&g, 41, 0, 0, HL_RNG_INIT);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++)
            x[i * D + j] = 1e3 * hl_rng_normal(&g);
        y[i] = hl_rng_uniform(&g) < 0.5;
    }
    const HlDataset ds = { .n = N, .d = D, .x = x, .y = y };
    const HlModelSpec net = { .task = HL_TASK_BINARY, .d = D, .nclass = 1, .nhidden = 1,
                              .hidden = { 4 }, .activation = HL_ACT_TANH };
    const HlModelSpec lin = { .task = HL_TASK_BINARY, .d = D, .nclass = 1 };
    const double lr = 0.1, C = 0.5, qn = 24;    /* batch 24 of 30: q = 0.8, 1 step */
    for (int c = 0; c < 2; c++) {
        const HlModelOps *ops = c ? &hl_model_logistic : &hl_model_mlp;
        const HlModelSpec *spec = c ? &lin : &net;
        const int np = ops->nparams(spec);
        double global[64], w[64], move = 0;
        ops->init(spec, global, &g);
        memcpy(w, global, (size_t)np * sizeof *w);
        HlTrainConfig cfg = dp_config(c ? HL_DP_LAPLACE : HL_DP_GAUSSIAN, 1, 24, lr, C, 0.0);
        HlRng r;
        hl_rng_seed(&r, 42, 0, (uint64_t)c, HL_RNG_SHUFFLE);
        const int k = first_batch(r, N, 0.8);
        CHECK_INT(hl_train_local(ops, spec, &cfg, &ds, global, w, &r, NULL), 0);
        for (int j = 0; j < np; j++)
            move += c ? fabs(w[j] - global[j]) : (w[j] - global[j]) * (w[j] - global[j]);
        if (!c)
            move = sqrt(move);
        CHECK(move > 0.0);
        CHECK(move <= lr * C * k / qn * (1 + 1e-12));
        CHECK(move < 0.99 * lr * C * k / qn);
    }
}

/*
 * The linear rows of test_dp_clip_bound_parallel with C = 1, lr = 1 and
 * noise 0 are a counter: every sampled row moves b by exactly -1/(q n), so
 * after any number of steps the rows drawn in all of them are -b q n.
 */
static long rows_drawn(const HlDataset *ds, int epochs, int batch, HlRng *r, int *steps)
{
    const double qn = batch < ds->n ? batch : ds->n;
    double zero[2] = { 0, 0 }, w[2] = { 0, 0 };
    HlTrainResult res;
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, epochs, batch, 1.0, 1.0, 0.0);
    CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, ds, zero, w, r, &res), 0);
    *steps = res.steps;
    return lround(-w[1] * qn);
}

/*
 * Poisson sampling.  n = 200, batch 20: q = 0.1, 10 steps an epoch, 100
 * epochs: 1000 steps drawing Binomial(200 000, 0.1) rows in all, mean
 * 20 000 and sd sqrt(200 000 * 0.1 * 0.9) = 134.2; checked within 5 sd.
 * Then the batch size varies as a Poisson sample's does and a fixed
 * batch's does not: n = 200, batch 150 (q = 0.75, one step a call) over
 * 400 calls, each batch Binomial(200, 0.75) with mean 150 and variance
 * 37.5.  The mean of 400 within 5 sd (5 * sqrt(37.5 / 400) = 1.53), the
 * sample variance within 5 of its sd (37.5 sqrt(2 / 399) = 2.66).
 */
enum { PN = 200, PCALLS = 400 };

static void test_dp_poisson_rate(void)
{
    double x[PN], y[PN];
    for (int i = 0; i < PN; i++) {
        x[i] = 0;
        y[i] = -1e9;
    }
    const HlDataset ds = { .n = PN, .d = 1, .x = x, .y = y };
    HlRng r;
    int steps;
    hl_rng_seed(&r, 51, 0, 0, HL_RNG_SHUFFLE);
    long total = rows_drawn(&ds, 100, 20, &r, &steps);
    CHECK_INT(steps, 1000);
    CHECK(labs(total - 20000) <= 5 * 134.2);

    double sum = 0, sq = 0;
    int other_steps = 0;
    for (int i = 0; i < PCALLS; i++) {
        long k = rows_drawn(&ds, 1, 150, &r, &steps);
        other_steps += steps != 1;
        sum += (double)k;
        sq += (double)k * (double)k;
    }
    CHECK_INT(other_steps, 0);
    const double mean = sum / PCALLS, var = (sq - PCALLS * mean * mean) / (PCALLS - 1);
    CHECK_NEAR(mean, 150.0, 5 * sqrt(37.5 / PCALLS));
    CHECK_NEAR(var, 37.5, 5 * 37.5 * sqrt(2.0 / (PCALLS - 1)));
}

/*
 * The noise on a model whose every gradient is zero (linear regression on
 * x = 0, y = 0, from 0): one step of lr 1 moves each parameter by the noise
 * alone over q n.  n = 10, batch 8: q n = 8, one step a call; z = 1.5,
 * C = 0.5, so Gaussian sd z C / (q n) = 0.09375, and Laplace scale
 * b = z C / (q n), sd sqrt(2) b and mean |.| b.  Over NZ calls (2 NZ
 * values) within 5 standard errors: the sample sd's relative one is
 * sqrt(1/(2N)) for a Gaussian, sqrt(5/(4N)) for a Laplace (kurtosis 6);
 * the mean |.| of a Laplace has sd b / sqrt(N).
 */
enum { NZ = 5000 };

static void test_dp_noise_scale(void)
{
    const double x[10] = { 0 }, y[10] = { 0 }, zero[2] = { 0, 0 };
    const HlDataset ds = { .n = 10, .d = 1, .x = x, .y = y };
    const double b = 1.5 * 0.5 / 8, N = 2.0 * NZ;
    for (int mech = HL_DP_GAUSSIAN; mech <= HL_DP_LAPLACE; mech++) {
        HlTrainConfig cfg = dp_config((HlDpMechanism)mech, 1, 8, 1.0, 0.5, 1.5);
        double sq = 0, abs_sum = 0;
        int failed = 0;
        HlRng r;
        hl_rng_seed(&r, 61, 0, (uint64_t)mech, HL_RNG_SHUFFLE);
        for (int i = 0; i < NZ; i++) {
            double w[2] = { 0, 0 };
            failed += hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, NULL) != 0;
            sq += w[0] * w[0] + w[1] * w[1];
            abs_sum += fabs(w[0]) + fabs(w[1]);
        }
        CHECK_INT(failed, 0);
        const double sd = sqrt(sq / N);
        if (mech == HL_DP_GAUSSIAN) {
            CHECK_NEAR(sd / b, 1.0, 5 * sqrt(1 / (2 * N)));
        } else {
            CHECK_NEAR(sd / (sqrt(2.0) * b), 1.0, 5 * sqrt(5 / (4 * N)));
            CHECK_NEAR(abs_sum / N, b, 5 * b / sqrt(N));
        }
    }
}

/*
 * An empty batch still adds its noise and takes its step.  Two rows,
 * batch 1: q = 0.5, two steps of Poisson samples; a stream whose four
 * sampling uniforms are all >= 1/2 draws nothing in either step (found by
 * replaying a twin: 2 uniforms, 2 normals of noise, 2 uniforms).  The
 * zero-gradient rows of test_dp_noise_scale make each step's gradient the
 * noise z C (n1, n2) / (q n) alone, so after both steps
 *   w = -lr z C (n_step1 + n_step2) / (q n),  q n = 1.
 */
static void test_dp_empty_batch(void)
{
    const double x[2] = { 0, 0 }, y[2] = { 0, 0 }, zero[2] = { 0, 0 };
    const HlDataset ds = { .n = 2, .d = 1, .x = x, .y = y };
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, 1, 1, 0.1, 2.0, 0.5);
    for (uint64_t seed = 0; seed < 1000; seed++) {
        HlRng r, twin;
        hl_rng_seed(&r, seed, 0, 0, HL_RNG_SHUFFLE);
        twin = r;
        int drawn = 0;
        double noise[2] = { 0, 0 };
        for (int step = 0; step < 2; step++) {
            drawn += hl_rng_uniform(&twin) < 0.5;
            drawn += hl_rng_uniform(&twin) < 0.5;
            noise[0] += hl_rng_normal(&twin);
            noise[1] += hl_rng_normal(&twin);
        }
        if (drawn > 0)
            continue;
        double w[2] = { 0, 0 };
        HlTrainResult res;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
        CHECK_INT(res.steps, 2);
        CHECK(w[0] != 0.0 && w[1] != 0.0);
        CHECK_NEAR(w[0], -0.1 * 0.5 * 2.0 * noise[0], 1e-15);
        CHECK_NEAR(w[1], -0.1 * 0.5 * 2.0 * noise[1], 1e-15);
        return;
    }
    CHECK(!"no stream in 1000 seeds drew two empty batches");  /* p = 1/16 each */
}

/* Step counts and rates: round(n / batch) steps an epoch (half up), at
 * least 1; q = min(1, batch / n); nothing for a node without rows.  A run
 * reports those steps, and the same stream gives the same parameters. */
static void test_dp_steps_and_determinism(void)
{
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, 3, 7, 0.1, 1.0, 1.0);
    CHECK_INT(hl_train_dp_steps(&cfg, 60), 27);     /* 60/7 = 8.57 -> 9 */
    CHECK_INT(hl_train_dp_steps(&cfg, 10), 3);      /* 1.43 -> 1 */
    CHECK_INT(hl_train_dp_steps(&cfg, 3), 3);       /* 0.43 -> 0 -> at least 1 */
    CHECK_INT(hl_train_dp_steps(&cfg, 0), 0);
    cfg.batch_size = 4;
    CHECK_INT(hl_train_dp_steps(&cfg, 10), 9);      /* 2.5 -> 3 */
    CHECK_NEAR(hl_train_dp_sample_rate(&cfg, 10), 0.4, 1e-16);
    CHECK(hl_train_dp_sample_rate(&cfg, 3) == 1.0);
    CHECK(hl_train_dp_sample_rate(&cfg, 0) == 0.0);

    Sep s;
    make_separable(&s);
    double w[3][3];
    cfg = dp_config(HL_DP_GAUSSIAN, 3, 7, 0.1, 1.0, 1.0);
    cfg.optimizer = HL_OPTIM_ADAM;
    cfg.proximal_mu = 0.1;
    cfg.adaptive = 1;
    for (int k = 0; k < 3; k++) {
        const double g[3] = { 0 };
        HlTrainResult res;
        HlRng r;
        memset(w[k], 0, sizeof w[k]);
        hl_rng_seed(&r, 5, 1, k == 2 ? 3 : 2, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &cfg, &s.ds, g, w[k], &r, &res), 0);
        CHECK_INT(res.steps, 27);
    }
    CHECK(memcmp(w[0], w[1], sizeof w[0]) == 0);
    CHECK(memcmp(w[0], w[2], sizeof w[0]) != 0);

    /* a node without rows takes no step, DP or not */
    const HlDataset empty = { .n = 0, .d = 2, .x = s.x, .y = s.y };
    double v[3] = { 1, 2, 3 };
    HlTrainResult res;
    HlRng r;
    hl_rng_seed(&r, 5, 1, 2, HL_RNG_SHUFFLE);
    CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &cfg, &empty, v, v, &r, &res), 0);
    CHECK_INT(res.steps, 0);
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3);
}

/* DP configurations that cannot be honoured are refused, parameters left
 * alone: a clip not > 0, a negative or infinite multiplier, an unknown
 * mechanism. */
static void test_dp_refusals(void)
{
    const HlTrainConfig bad[] = {
        dp_config(HL_DP_GAUSSIAN, 1, 1, 0.1, 0.0, 1.0),
        dp_config(HL_DP_GAUSSIAN, 1, 1, 0.1, -1.0, 1.0),
        dp_config(HL_DP_LAPLACE, 1, 1, 0.1, NAN, 1.0),
        dp_config(HL_DP_GAUSSIAN, 1, 1, 0.1, 1.0, -0.5),
        dp_config(HL_DP_GAUSSIAN, 1, 1, 0.1, 1.0, INFINITY),
        dp_config((HlDpMechanism)7, 1, 1, 0.1, 1.0, 1.0),
    };
    const double g[2] = { 0, 0 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double w[2] = { 1, 2 };
        HlRng r;
        hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &bad[i], &lds, g, w, &r, NULL), -1);
        CHECK(w[0] == 1 && w[1] == 2);
    }
}

/* ---- DP-SGD with adaptive clipping ------------------------------------------ */

static HlTrainConfig adaptive_config(int epochs, int batch, double lr, double clip, double z,
                                     double gamma, double eta, double count_stddev)
{
    HlTrainConfig cfg = dp_config(HL_DP_GAUSSIAN, epochs, batch, lr, clip, z);
    cfg.dp.adaptive = 1;
    cfg.dp.target_quantile = gamma;
    cfg.dp.clip_lr = eta;
    cfg.dp.count_stddev = count_stddev;
    return cfg;
}

/*
 * Off is off: res.clip is 0 without DP and dp.clip with a fixed clip; with
 * adaptive 0 the other three fields are ignored (same parameters, bit for
 * bit, as with them zero); the check gives the multiplier the sums get.
 */
static void test_dp_adaptive_off(void)
{
    Sep s;
    make_separable(&s);
    const double g[3] = { 0 };
    HlTrainConfig plain = config(HL_OPTIM_SGD, 2, 7, 0.1);
    HlTrainResult res;
    HlRng r;
    double v[3] = { 0 }, w[2][3];
    hl_rng_seed(&r, 9, 0, 0, HL_RNG_SHUFFLE);
    res.clip = -1;
    CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &plain, &s.ds, g, v, &r, &res), 0);
    CHECK(res.clip == 0.0);

    HlTrainConfig cfg[2];
    cfg[0] = dp_config(HL_DP_GAUSSIAN, 3, 7, 0.1, 0.7, 1.1);
    cfg[1] = cfg[0];
    cfg[1].dp.target_quantile = 0.9;
    cfg[1].dp.clip_lr = 0.5;
    cfg[1].dp.count_stddev = 3.0;
    for (int k = 0; k < 2; k++) {
        memset(w[k], 0, sizeof w[k]);
        hl_rng_seed(&r, 9, 1, 1, HL_RNG_SHUFFLE);
        res.clip = -1;
        CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &cfg[k], &s.ds, g, w[k], &r, &res), 0);
        CHECK(res.clip == 0.7);
    }
    CHECK(memcmp(w[0], w[1], sizeof w[0]) == 0);

    double zd = -1;
    CHECK_INT(hl_train_dp_adaptive_check(&plain, 100, &zd), 0);
    CHECK(zd == 0.0);
    CHECK_INT(hl_train_dp_adaptive_check(&cfg[1], 100, &zd), 0);
    CHECK(zd == 1.1);
    cfg[1].dp.mechanism = HL_DP_LAPLACE;        /* Laplace is fine with a fixed clip */
    CHECK_INT(hl_train_dp_adaptive_check(&cfg[1], 100, NULL), 0);
}

/*
 * The direction of the clip's moves.  Batch = n: q = 1, every row in every
 * step, so the report sum is exactly +-n/2 and, with the count's noise
 * tiny (sigma_b = 1e-6, z = 1e-6 < 2 sigma_b), the fraction is 0 (every
 * row clipped) or 1 (none), give or take 1e-7 (clamped to [0, 1]).
 *
 * Every gradient far above C: the rows of test_dp_clip_bound_parallel
 * (norms ~1e6 (i + 1), C = 0.5, lr 0.1, so b stays ~1e-5 away from 0 and
 * the norms stay ~1e6).  b~ = 0, so C <- C e^{-eta (0 - 1/2)}: it GROWS by
 * e^{eta/2} a step, eta the default 0.2, after T steps C = 0.5 e^{0.1 T}.
 *
 * Every gradient far below C: the zero-gradient rows of
 * test_dp_noise_scale (norm 0 <= C).  b~ = 1, C <- C e^{-eta/2}: it
 * shrinks.  Also with gamma = 0.8, eta = 0.3: C e^{-0.3 (1 - 0.8)}.
 */
static void test_dp_adaptive_direction(void)
{
    double x[CN], y[CN];
    for (int i = 0; i < CN; i++) {
        x[i] = 0;
        y[i] = -1e6 * (i + 1);
    }
    const HlDataset big = { .n = CN, .d = 1, .x = x, .y = y };
    const double zx[CN] = { 0 }, zy[CN] = { 0 }, zero[2] = { 0, 0 };
    const HlDataset none = { .n = CN, .d = 1, .x = zx, .y = zy };
    const int epochs[] = { 1, 2, 10 };
    for (size_t e = 0; e < sizeof epochs / sizeof epochs[0]; e++) {
        const int T = epochs[e];
        HlTrainConfig cfg = adaptive_config(T, CN, 0.1, 0.5, 1e-6, 0, 0, 1e-6);
        CHECK_INT(hl_train_dp_steps(&cfg, CN), T);
        HlTrainResult res;
        HlRng r;
        double w[2] = { 0, 0 };
        hl_rng_seed(&r, 71, 0, (uint64_t)T, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &big, zero, w, &r, &res), 0);
        CHECK_INT(res.steps, T);
        CHECK_NEAR(res.clip / (0.5 * exp(0.1 * T)), 1.0, 1e-6 * T);
        CHECK(res.clip > 0.5);

        w[0] = w[1] = 0;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &none, zero, w, &r, &res), 0);
        CHECK_NEAR(res.clip / (0.5 * exp(-0.1 * T)), 1.0, 1e-6 * T);
        CHECK(res.clip < 0.5);

        cfg.dp.target_quantile = 0.8;
        cfg.dp.clip_lr = 0.3;
        w[0] = w[1] = 0;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &none, zero, w, &r, &res), 0);
        CHECK_NEAR(res.clip / (0.5 * exp(-0.3 * 0.2 * T)), 1.0, 1e-6 * T);
        w[0] = w[1] = 0;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &big, zero, w, &r, &res), 0);
        CHECK_NEAR(res.clip / (0.5 * exp(0.3 * 0.8 * T)), 1.0, 1e-6 * T);
    }
}

/*
 * The whole sequence, replayed from a twin of the stream.  Linear rows
 * x = 0, y_i = -0.05 (i + 1), i < 40, lr 0: the parameters stay at 0 and
 * row i's gradient is (0, y_i), norm 0.05 (i + 1), so whether it is clipped
 * depends on C_t.  Batch 10: q = 1/4, m = q n = 10, 4 steps an epoch, 5
 * epochs.  Defaults: gamma 1/2, eta 0.2, sigma_b = m / 20 = 1/2; z = 0.5.
 * Per step the stream gives 40 sampling uniforms, 2 normals of gradient
 * noise, 1 normal c for the count:
 *   S = sum over sampled rows of (norm_i <= C ? 1/2 : -1/2)
 *   b~ = clamp((S + c / 2) / 10 + 1/2, 0, 1),  C <- C e^{-0.2 (b~ - 1/2)}
 * Starting below every norm but one (C = 0.08), C climbs toward the median
 * norm (~1): by 20 steps at most e^{0.1} each it reaches ~0.35.
 */
enum { AN = 40 };

static void test_dp_adaptive_replay(void)
{
    double x[AN], y[AN];
    for (int i = 0; i < AN; i++) {
        x[i] = 0;
        y[i] = -0.05 * (i + 1);
    }
    const HlDataset ds = { .n = AN, .d = 1, .x = x, .y = y };
    const double zero[2] = { 0, 0 };
    HlTrainConfig cfg = adaptive_config(5, 10, 0.0, 0.08, 0.5, 0, 0, 0);
    CHECK_INT(hl_train_dp_steps(&cfg, AN), 20);
    for (uint64_t seed = 0; seed < 3; seed++) {
        HlRng r, twin;
        hl_rng_seed(&r, 81, seed, 0, HL_RNG_SHUFFLE);
        twin = r;
        double C = 0.08;
        int mixed = 0;
        for (int step = 0; step < 20; step++) {
            double S = 0;
            int in = 0, out = 0;
            for (int i = 0; i < AN; i++)
                if (hl_rng_uniform(&twin) < 0.25) {
                    int kept = 0.05 * (i + 1) <= C;
                    S += kept ? 0.5 : -0.5;
                    in += kept;
                    out += !kept;
                }
            mixed += in > 0 && out > 0;
            (void)hl_rng_normal(&twin);
            (void)hl_rng_normal(&twin);
            double b = (S + 0.5 * hl_rng_normal(&twin)) / 10 + 0.5;
            b = b < 0 ? 0 : b > 1 ? 1 : b;
            C *= exp(-0.2 * (b - 0.5));
        }
        CHECK(mixed >= 10);
        CHECK(C > 0.25);        /* from 0.08: up, as most rows were clipped */
        double w[2] = { 0, 0 };
        HlTrainResult res;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
        CHECK_INT(res.steps, 20);
        CHECK(w[0] == 0.0 && w[1] == 0.0);
        CHECK_NEAR(res.clip, C, 1e-14 * C);
        /* both streams drew the same numbers */
        CHECK(hl_rng_uniform(&r) == hl_rng_uniform(&twin));
    }
}

/*
 * The noise on the gradient follows C_t and is scaled by z_Delta.  Two
 * rows x = 0, y = 0, batch 2 (q = 1), three epochs: three steps, both rows
 * in each.  z = 1, sigma_b = 1: z_Delta = (1 - 1/4)^(-1/2).  At (w, b)
 * each row's gradient is (0, b) (zero at the start), clipped to C_t, so
 * with lr 1 and q n = 2 a step is
 *   w -= z_Delta C_t n_w / 2
 *   b -= (2 clip(b, C_t) + z_Delta C_t n_b) / 2
 *   S = +-1 (|b| <= C_t or not),  b~ = clamp((S + c) / 2 + 1/2, 0, 1),
 *   C_{t+1} = C_t e^{-0.2 (b~ - 1/2)}
 * with n_w, n_b, c the step's three normals after its two uniforms,
 * replayed from a twin of the stream.  C0 = 0.05 (a noise of order z C
 * moves b past C_t now and then).
 */
static void test_dp_adaptive_noise_follows_clip(void)
{
    const double x[2] = { 0, 0 }, y[2] = { 0, 0 }, zero[2] = { 0, 0 };
    const HlDataset ds = { .n = 2, .d = 1, .x = x, .y = y };
    const double zd = 1 / sqrt(1 - 0.25), C0 = 0.05;
    HlTrainConfig cfg = adaptive_config(3, 2, 1.0, C0, 1.0, 0, 0, 1.0);
    double z = 0;
    CHECK_INT(hl_train_dp_adaptive_check(&cfg, 2, &z), 0);
    CHECK_NEAR(z, zd, 1e-15);
    int clipped = 0, kept = 0;
    for (uint64_t seed = 0; seed < 20; seed++) {
        HlRng r, twin;
        hl_rng_seed(&r, 91, seed, 0, HL_RNG_SHUFFLE);
        twin = r;
        double C = C0, wb[2] = { 0, 0 };
        for (int step = 0; step < 3; step++) {
            (void)hl_rng_uniform(&twin);
            (void)hl_rng_uniform(&twin);
            double nw = hl_rng_normal(&twin), nb = hl_rng_normal(&twin);
            double norm = fabs(wb[1]), g = norm > C ? wb[1] * C / norm : wb[1];
            double S = norm <= C ? 1 : -1;
            clipped += norm > C;
            kept += norm <= C && step > 0;
            wb[0] -= zd * C * nw / 2;
            wb[1] -= (2 * g + zd * C * nb) / 2;
            double b = (S + hl_rng_normal(&twin)) / 2 + 0.5;
            b = b < 0 ? 0 : b > 1 ? 1 : b;
            C *= exp(-0.2 * (b - 0.5));
        }
        double w[2] = { 0, 0 };
        HlTrainResult res;
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
        CHECK_INT(res.steps, 3);
        CHECK(C != C0);
        CHECK_NEAR(res.clip, C, 1e-15 * C);
        CHECK_NEAR(w[0], wb[0], 1e-14);
        CHECK_NEAR(w[1], wb[1], 1e-14);
    }
    CHECK(clipped > 0 && kept > 0);     /* both branches replayed */
}

/*
 * z_Delta in the noise, statistically: test_dp_noise_scale's zero-gradient
 * rows (n = 10, batch 8, one step a call, C = 0.5, z = 1.5) with
 * count_stddev 1: z_Delta = (1/2.25 - 1/4)^(-1/2) = 2.268, so the sd of a
 * parameter after one step of lr 1 is z_Delta C / (q n) = 0.1418, not the
 * 0.09375 of z.  Within 5 standard errors of the sample sd (sqrt(1/(2N))
 * relative).
 */
static void test_dp_adaptive_noise_scale(void)
{
    const double x[10] = { 0 }, y[10] = { 0 }, zero[2] = { 0, 0 };
    const HlDataset ds = { .n = 10, .d = 1, .x = x, .y = y };
    const double zd = 1 / sqrt(1 / 2.25 - 0.25), b = zd * 0.5 / 8, N = 2.0 * NZ;
    HlTrainConfig cfg = adaptive_config(1, 8, 1.0, 0.5, 1.5, 0, 0, 1.0);
    double z = 0, sq = 0;
    CHECK_INT(hl_train_dp_adaptive_check(&cfg, 10, &z), 0);
    CHECK_NEAR(z, zd, 1e-14);
    int failed = 0;
    HlRng r;
    hl_rng_seed(&r, 62, 0, 0, HL_RNG_SHUFFLE);
    for (int i = 0; i < NZ; i++) {
        double w[2] = { 0, 0 };
        failed += hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, NULL) != 0;
        sq += w[0] * w[0] + w[1] * w[1];
    }
    CHECK_INT(failed, 0);
    CHECK_NEAR(sqrt(sq / N) / b, 1.0, 5 * sqrt(1 / (2 * N)));
}

/*
 * Over many steps C settles near the gamma-quantile of the norms.  Rows
 * with norms 0.01 (i + 1), i < 200 (uniform on (0, 2]), lr 0, batch 40
 * (q = 0.2, m = 40, sigma_b = 2 by default), z = 1, 2000 steps: the
 * median is ~1 and the 0.9 quantile ~1.8.  log C's stationary sd is
 * ~0.05 (steps of ~0.2 * 0.1 against a pull of ~0.1 a step), so a band of
 * +-20% is many sd wide.
 */
enum { QN = 200 };

static void test_dp_adaptive_quantile(void)
{
    double x[QN], y[QN];
    for (int i = 0; i < QN; i++) {
        x[i] = 0;
        y[i] = 0.01 * (i + 1);
    }
    const HlDataset ds = { .n = QN, .d = 1, .x = x, .y = y };
    const double zero[2] = { 0, 0 }, gamma[] = { 0.5, 0.9 }, want[] = { 1.0, 1.8 };
    for (int k = 0; k < 2; k++) {
        HlTrainConfig cfg = adaptive_config(400, 40, 0.0, k ? 5.0 : 0.05, 1.0, gamma[k], 0, 0);
        CHECK_INT(hl_train_dp_steps(&cfg, QN), 2000);
        double w[2] = { 0, 0 };
        HlTrainResult res;
        HlRng r;
        hl_rng_seed(&r, 101, 0, (uint64_t)k, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &ds, zero, w, &r, &res), 0);
        CHECK(res.clip > 0.8 * want[k] && res.clip < 1.2 * want[k]);
    }
}

/*
 * Refusals, parameters left alone, and hl_train_dp_adaptive_check saying
 * the same beforehand.  2 sigma_b <= z: a given sigma_b of exactly z / 2.
 * Laplace.  gamma outside [0, 1], eta or sigma_b negative or not finite.
 * Accepted: the default sigma_b = q n / 20 raised to z when smaller (n =
 * 10, batch 8, z = 1.5; batch 10 or 11 of 100 at z = 1; nodes of 10 and
 * 11 rows with batch 32 at z = 1: z_Delta = z (1 - 1/4)^(-1/2)), sigma_b
 * just above z / 2, z = 0 (z_Delta 0), and a node without rows.
 */
static void test_dp_adaptive_refusals(void)
{
    struct {
        HlTrainConfig cfg;
        int n;
    } bad[] = {
        { adaptive_config(1, 8, 0.1, 1.0, 1.5, 0, 0, 0.75), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, 0, 10.0), 10 },     /* made Laplace below */
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, -0.1, 0, 10.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 1.5, 0, 10.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, NAN, 0, 10.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, -0.2, 10.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, INFINITY, 10.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, 0, -1.0), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, 0, NAN), 10 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.0, 0, 0, INFINITY), 10 },
        { adaptive_config(1, 8, 0.1, 0.0, 1.0, 0, 0, 10.0), 10 },     /* clip 0, as without */
    };
    bad[1].cfg.dp.mechanism = HL_DP_LAPLACE;
    double xs[100] = { 0 }, ys[100];
    for (int i = 0; i < 100; i++)
        ys[i] = i % 3;
    const double g[2] = { 0, 0 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const HlDataset ds = { .n = bad[i].n, .d = 1, .x = xs, .y = ys };
        double w[2] = { 1, 2 }, zd = -7;
        HlTrainResult res = { 0 };
        HlRng r;
        hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_dp_adaptive_check(&bad[i].cfg, bad[i].n, &zd), -1);
        CHECK(zd == -7);
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &bad[i].cfg, &ds, g, w, &r, &res), -1);
        CHECK(w[0] == 1 && w[1] == 2);
        CHECK(res.steps == 0 && res.clip == 0);
    }

    struct {
        HlTrainConfig cfg;
        int n;
        double zd;
    } good[] = {
        { adaptive_config(1, 8, 0.1, 1.0, 1.5, 0, 0, 0), 10, 1.5 / sqrt(0.75) },
        { adaptive_config(1, 10, 0.1, 1.0, 1.0, 0, 0, 0), 100, 1 / sqrt(0.75) },
        { adaptive_config(1, 11, 0.1, 1.0, 1.0, 0, 0, 0), 100, 1 / sqrt(0.75) },
        { adaptive_config(1, 32, 0.1, 1.0, 1.0, 0, 0, 0), 10, 1 / sqrt(0.75) },
        { adaptive_config(1, 32, 0.1, 1.0, 1.0, 0, 0, 0), 11, 1 / sqrt(0.75) },
        { adaptive_config(1, 40, 0.1, 1.0, 1.0, 0, 0, 0), 100, 1 / sqrt(1 - 1 / 16.0) },
        { adaptive_config(1, 64, 0.1, 1.0, 1.0, 0, 0, 0), 100, 1 / sqrt(1 - 1 / (6.4 * 6.4)) },
        { adaptive_config(1, 8, 0.1, 1.0, 1.5, 0, 0, 0.76), 10,
          1 / sqrt(1 / 2.25 - 1 / (1.52 * 1.52)) },
        { adaptive_config(1, 8, 0.1, 1.0, 0.0, 0, 0, 0), 10, 0.0 },
        { adaptive_config(1, 8, 0.1, 1.0, 1.5, 1.0, 0, 0), 0, 1.5 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        const HlDataset ds = { .n = good[i].n, .d = 1, .x = xs, .y = ys };
        double w[2] = { 1, 2 }, zd = -7;
        HlTrainResult res;
        HlRng r;
        hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_dp_adaptive_check(&good[i].cfg, good[i].n, &zd), 0);
        CHECK_NEAR(zd, good[i].zd, 1e-12 * good[i].zd);
        CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &good[i].cfg, &ds, g, w, &r, &res), 0);
        CHECK(good[i].n > 0 ? res.steps > 0 : res.steps == 0);
        if (good[i].n == 0)
            CHECK(res.clip == 1.0);
    }
}

int main(void)
{
    RUN(test_dp_step_by_hand);
    RUN(test_dp_clip_bound_parallel);
    RUN(test_dp_clip_bound_general);
    RUN(test_dp_poisson_rate);
    RUN(test_dp_noise_scale);
    RUN(test_dp_empty_batch);
    RUN(test_dp_steps_and_determinism);
    RUN(test_dp_refusals);
    RUN(test_dp_adaptive_off);
    RUN(test_dp_adaptive_direction);
    RUN(test_dp_adaptive_replay);
    RUN(test_dp_adaptive_noise_follows_clip);
    RUN(test_dp_adaptive_noise_scale);
    RUN(test_dp_adaptive_quantile);
    RUN(test_dp_adaptive_refusals);
    return unit_report();
}
