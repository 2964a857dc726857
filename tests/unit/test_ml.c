/*
 * test_ml.c - the random streams (ml/rng.c) and the model kinds
 * (ml/logistic.c, ml/linear.c, ml/mlp.c, ml/model.c).
 *
 * Reference values: xoshiro256** outputs from the authors' reference code;
 * losses and gradients worked out by hand in the comments; every analytic
 * gradient against central finite differences.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "ml/model.h"
#include "ml/rng.h"

/* ---- rng ---- */

/* Blackman & Vigna's reference xoshiro256starstar.c
 * (https://prng.di.unimi.it/xoshiro256starstar.c) from the state {1, 2, 3, 4}.
 * The first two by hand: result = rotl(s1 * 5, 7) * 9 = (10 << 7) * 9 = 11520;
 * then s1 becomes s1 ^ (s2 ^ s0) = 2 ^ 2 = 0, so the second is 0.  All six
 * also checked against an independent Python transcription of the
 * reference. */
static void test_xoshiro_reference(void)
{
    static const uint64_t want[] = {
        UINT64_C(11520), UINT64_C(0), UINT64_C(1509978240), UINT64_C(1215971899390074240),
        UINT64_C(1216172134540287360), UINT64_C(607988272756665600),
    };
    HlRng r = { .s = { 1, 2, 3, 4 } };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(hl_rng_next(&r) == want[i]);
}

static int same_stream(HlRng *a, HlRng *b, int n)
{
    for (int i = 0; i < n; i++)
        if (hl_rng_next(a) != hl_rng_next(b))
            return 0;
    return 1;
}

/* Determinism: a tuple names one stream; changing any name changes it, and
 * the order of the names matters. */
static void test_rng_streams(void)
{
    HlRng a, b;
    hl_rng_seed(&a, 42, 3, 7, HL_RNG_SHUFFLE);
    hl_rng_seed(&b, 42, 3, 7, HL_RNG_SHUFFLE);
    CHECK(same_stream(&a, &b, 1000));

    static const uint64_t other[][4] = {
        { 43, 3, 7, HL_RNG_SHUFFLE }, { 42, 4, 7, HL_RNG_SHUFFLE },
        { 42, 3, 8, HL_RNG_SHUFFLE }, { 42, 3, 7, HL_RNG_NOISE },
        { 42, 7, 3, HL_RNG_SHUFFLE }, { 0, 0, 0, HL_RNG_INIT },
    };
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
        hl_rng_seed(&a, 42, 3, 7, HL_RNG_SHUFFLE);
        hl_rng_seed(&b, other[i][0], other[i][1], other[i][2], (HlRngPurpose)other[i][3]);
        CHECK(!same_stream(&a, &b, 4));
    }
    /* seeding resets the normal's spare, so a reseeded stream repeats exactly */
    hl_rng_seed(&a, 1, 0, 0, HL_RNG_NOISE);
    double n1 = hl_rng_normal(&a);
    hl_rng_seed(&a, 1, 0, 0, HL_RNG_NOISE);
    CHECK(hl_rng_normal(&a) == n1);
}

static void test_rng_uniform_below(void)
{
    HlRng r;
    double sum = 0.0, lo = 1.0, hi = 0.0;
    const int n = 1000000;
    hl_rng_seed(&r, 1, 2, 3, HL_RNG_INIT);
    for (int i = 0; i < n; i++) {
        double u = hl_rng_uniform(&r);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CHECK(lo >= 0.0 && hi < 1.0);
    CHECK_NEAR(sum / n, 0.5, 0.002);     /* sd of the mean: 0.29 / 1000 */

    /* below(3): each value a third of the time (sd of a count: 258) */
    long count[3] = { 0 };
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t v = hl_rng_below(&r, 3);
        if (v < 3)
            count[v]++;
        else
            bad++;
    }
    CHECK_INT(bad, 0);
    for (int v = 0; v < 3; v++)
        CHECK_NEAR((double)count[v], 100000.0, 1500.0);
    CHECK(hl_rng_below(&r, 1) == 0);
    CHECK(hl_rng_below(&r, 0) == 0);
    /* n just above 2^63 rejects almost half of all draws: still in range */
    const uint64_t big = (UINT64_C(1) << 63) + 1;
    for (int i = 0; i < 1000; i++)
        bad += hl_rng_below(&r, big) >= big;
    CHECK_INT(bad, 0);
}

static void test_rng_normal(void)
{
    HlRng r;
    const int n = 1000000;
    double s1 = 0.0, s2 = 0.0;
    hl_rng_seed(&r, 7, 0, 0, HL_RNG_NOISE);
    for (int i = 0; i < n; i++) {
        double x = hl_rng_normal(&r);
        s1 += x;
        s2 += x * x;
    }
    double mean = s1 / n, var = s2 / n - mean * mean;
    CHECK_NEAR(mean, 0.0, 0.005);   /* sd of the mean 0.001 */
    CHECK_NEAR(var, 1.0, 0.01);     /* sd of the variance sqrt(2/n) = 0.0014 */
}

/* Gamma(k, 1) has mean k and variance k; the shape < 1 boost included. */
static void test_rng_gamma(void)
{
    static const double shapes[] = { 0.1, 0.5, 1.0, 2.5, 10.0 };
    HlRng r;
    const int n = 200000;
    hl_rng_seed(&r, 9, 0, 0, HL_RNG_PARTITION);
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        double a = shapes[k], s1 = 0.0, s2 = 0.0;
        int neg = 0;
        for (int i = 0; i < n; i++) {
            double g = hl_rng_gamma(&r, a);
            neg += !(g >= 0.0);
            s1 += g;
            s2 += g * g;
        }
        double mean = s1 / n, var = s2 / n - mean * mean;
        CHECK_INT(neg, 0);
        CHECK_NEAR(mean, a, 6.0 * sqrt(a / n));
        CHECK_NEAR(var / a, 1.0, 0.05);
    }
    CHECK(hl_rng_gamma(&r, 0.0) == 0.0);
}

/* Dirichlet(alpha) on k points: each component has mean 1/k, every draw sums
 * to 1; alpha = 0.001 (extreme skew) still gives finite draws that sum to 1. */
static void test_rng_dirichlet(void)
{
    enum { K = 4 };
    HlRng r;
    double p[K], mean[K] = { 0 };
    const int n = 100000;
    int bad = 0;
    hl_rng_seed(&r, 11, 0, 0, HL_RNG_PARTITION);
    for (int i = 0; i < n; i++) {
        double sum = 0.0;
        hl_rng_dirichlet(&r, 0.5, p, K);
        for (int c = 0; c < K; c++) {
            mean[c] += p[c] / n;
            sum += p[c];
            bad += !(p[c] >= 0.0 && p[c] <= 1.0);
        }
        bad += fabs(sum - 1.0) > 1e-12;
    }
    CHECK_INT(bad, 0);
    for (int c = 0; c < K; c++)
        CHECK_NEAR(mean[c], 1.0 / K, 0.005);   /* sd of the mean: 0.0011 */
    for (int i = 0; i < 1000; i++) {
        double sum = 0.0;
        hl_rng_dirichlet(&r, 0.001, p, K);
        for (int c = 0; c < K; c++)
            sum += p[c];
        bad += !(fabs(sum - 1.0) < 1e-12);
    }
    CHECK_INT(bad, 0);
}

/* Fisher-Yates: a permutation, and each of the 6 orders of 3 items a sixth
 * of the time (sd of a count: 149). */
static void test_rng_shuffle(void)
{
    HlRng r;
    long count[6] = { 0 };
    hl_rng_seed(&r, 5, 1, 1, HL_RNG_SHUFFLE);
    for (int i = 0; i < 120000; i++) {
        uint32_t v[3] = { 0, 1, 2 };
        hl_rng_shuffle(&r, v, 3);
        count[v[0] * 2 + (v[1] > v[2])]++;
    }
    for (int i = 0; i < 6; i++)
        CHECK_NEAR((double)count[i], 20000.0, 900.0);

    enum { N = 1000 };
    uint32_t v[N];
    int seen[N] = { 0 }, moved = 0, ok = 1;
    for (uint32_t i = 0; i < N; i++)
        v[i] = i;
    hl_rng_shuffle(&r, v, N);
    for (uint32_t i = 0; i < N; i++) {
        ok &= v[i] < N && !seen[v[i]];
        if (v[i] < N)
            seen[v[i]] = 1;
        moved += v[i] != i;
    }
    CHECK(ok);
    CHECK(moved > N / 2);
    hl_rng_shuffle(&r, v, 0);   /* nothing to do, nothing touched */
}

/* ---- models ---- */

static void test_model_find(void)
{
    CHECK(hl_model_find("logistic_regression") == &hl_model_logistic);
    CHECK(hl_model_find("linear_regression") == &hl_model_linear);
    CHECK(hl_model_find("neural_network") == &hl_model_mlp);
    CHECK(hl_model_find("random_forest") == NULL);
    CHECK(hl_model_find(NULL) == NULL);
}

static void test_nparams(void)
{
    HlModelSpec s = { .task = HL_TASK_BINARY, .d = 5, .nclass = 1 };
    CHECK_INT(hl_model_logistic.nparams(&s), 6);
    CHECK_INT(hl_model_linear.nparams(&s), -1);
    s.task = HL_TASK_MULTICLASS;
    s.nclass = 3;
    CHECK_INT(hl_model_logistic.nparams(&s), 18);
    CHECK_INT(hl_model_linear.nparams(&s), -1);
    s.task = HL_TASK_REGRESSION;
    CHECK_INT(hl_model_logistic.nparams(&s), -1);
    CHECK_INT(hl_model_linear.nparams(&s), 6);

    /* 5 -> 4 -> 3 -> 1: 4*6 + 3*5 + 1*4 = 43 */
    HlModelSpec n = { .task = HL_TASK_BINARY, .d = 5, .nclass = 1, .nhidden = 2,
                      .hidden = { 4, 3 }, .activation = HL_ACT_TANH };
    CHECK_INT(hl_model_mlp.nparams(&n), 43);
    n.output = HL_ACT_SIGMOID;
    CHECK_INT(hl_model_mlp.nparams(&n), 43);
    n.output = HL_ACT_LINEAR;   /* a linear output on a binary task */
    CHECK_INT(hl_model_mlp.nparams(&n), -1);
    n.output = 0;
    n.task = HL_TASK_MULTICLASS;
    n.nclass = 4;               /* ... -> 4: 24 + 15 + 4*4 = 55 */
    CHECK_INT(hl_model_mlp.nparams(&n), 55);
    n.hidden[1] = 0;
    CHECK_INT(hl_model_mlp.nparams(&n), -1);
    /* 65536 x 65536 weights do not fit an int */
    HlModelSpec w = { .task = HL_TASK_REGRESSION, .d = 65536, .nhidden = 1, .hidden = { 65536 } };
    CHECK_INT(hl_model_mlp.nparams(&w), -1);
}

/* A small random problem for the finite-difference checks. */
enum { GD = 3, GN = 9 };

typedef struct Problem {
    double x[GN * GD], y[GN];
    int rows[GN + 2];
    int m;
    HlDataset ds;
} Problem;

static void make_problem(Problem *p, HlTask task, int nclass, uint64_t seed)
{
    HlRng r;
    hl_rng_seed(&r, seed, 0, 0, HL_RNG_INIT);
    for (int i = 0; i < GN * GD; i++)
        p->x[i] = hl_rng_normal(&r);
    for (int i = 0; i < GN; i++)
        p->y[i] = task == HL_TASK_REGRESSION ? 2.0 * hl_rng_normal(&r)
                : (double)hl_rng_below(&r, task == HL_TASK_BINARY ? 2 : (uint64_t)nclass);
    /* rows in a scrambled order, one of them twice, one left out */
    static const int rows[] = { 4, 0, 7, 2, 4, 1, 8, 3, 5 };
    p->m = (int)(sizeof rows / sizeof rows[0]);
    memcpy(p->rows, rows, sizeof rows);
    p->ds = (HlDataset){ .n = GN, .d = GD, .x = p->x, .y = p->y };
}

/*
 * Central differences (f(w + h e_j) - f(w - h e_j)) / 2h against the
 * analytic gradient: the relative error ||g - g_fd|| / (||g|| + ||g_fd||)
 * must be below 1e-6, and so must every component's error relative to
 * max(1, |g_j|).
 */
static double grad_check(const HlModelOps *ops, const HlModelSpec *s, HlTask task, int nclass,
                         uint64_t seed, int random_params)
{
    Problem p;
    HlRng r;
    const int np = ops->nparams(s);
    double *w = malloc((size_t)np * sizeof *w), *g = malloc((size_t)np * sizeof *g);
    double num = 0.0, den = 0.0, worst = 0.0;
    make_problem(&p, task, nclass, seed);
    hl_rng_seed(&r, seed, 0, 0, HL_RNG_INIT);
    ops->init(s, w, &r);
    if (random_params)
        for (int j = 0; j < np; j++)
            w[j] = 0.5 * hl_rng_normal(&r);
    double loss = ops->loss_grad(s, w, &p.ds, p.rows, p.m, g);
    CHECK(isfinite(loss));
    CHECK(ops->loss_grad(s, w, &p.ds, p.rows, p.m, NULL) == loss);
    const double h = 1e-5;
    for (int j = 0; j < np; j++) {
        double keep = w[j];
        w[j] = keep + h;
        double fp = ops->loss_grad(s, w, &p.ds, p.rows, p.m, NULL);
        w[j] = keep - h;
        double fm = ops->loss_grad(s, w, &p.ds, p.rows, p.m, NULL);
        w[j] = keep;
        double fd = (fp - fm) / (2 * h), e = fabs(fd - g[j]);
        num += e * e;
        den += fd * fd + g[j] * g[j];
        e /= fmax(1.0, fabs(g[j]));
        worst = e > worst ? e : worst;
    }
    free(w);
    free(g);
    double rel = den > 0.0 ? sqrt(num) / sqrt(den) : sqrt(num);
    CHECK(worst < 1e-6);
    return rel;
}

static void test_gradients(void)
{
    HlModelSpec bin = { .task = HL_TASK_BINARY, .d = GD, .nclass = 1, .l2 = 0.1 };
    HlModelSpec multi = { .task = HL_TASK_MULTICLASS, .d = GD, .nclass = 4, .l2 = 0.1 };
    HlModelSpec reg = { .task = HL_TASK_REGRESSION, .d = GD, .nclass = 1, .l2 = 0.1 };
    CHECK(grad_check(&hl_model_logistic, &bin, HL_TASK_BINARY, 1, 1, 1) < 1e-6);
    CHECK(grad_check(&hl_model_logistic, &multi, HL_TASK_MULTICLASS, 4, 2, 1) < 1e-6);
    CHECK(grad_check(&hl_model_linear, &reg, HL_TASK_REGRESSION, 1, 3, 1) < 1e-6);

    static const HlAct acts[] = { HL_ACT_RELU, HL_ACT_TANH, HL_ACT_SIGMOID };
    static const HlTask tasks[] = { HL_TASK_BINARY, HL_TASK_MULTICLASS, HL_TASK_REGRESSION };
    for (int a = 0; a < 3; a++)
        for (int t = 0; t < 3; t++) {
            HlModelSpec s = { .task = tasks[t], .d = GD, .nhidden = 2, .hidden = { 5, 4 },
                              .activation = acts[a], .l2 = 0.05 };
            s.nclass = tasks[t] == HL_TASK_MULTICLASS ? 3 : 1;
            uint64_t seed = 10 + (uint64_t)(3 * a + t);
            double rel = grad_check(&hl_model_mlp, &s, tasks[t], s.nclass, seed, 0);
            CHECK(rel < 1e-6);
            if (!(rel < 1e-6))
                fprintf(stderr, "  mlp activation %d task %d: relative error %g\n",
                        (int)acts[a], (int)tasks[t], rel);
        }
    /* no hidden layer: the network is a logistic regression */
    HlModelSpec flat = { .task = HL_TASK_MULTICLASS, .d = GD, .nclass = 3, .l2 = 0.2 };
    CHECK(grad_check(&hl_model_mlp, &flat, HL_TASK_MULTICLASS, 3, 30, 1) < 1e-6);
}

/*
 * Binary logistic regression at zero weights on two rows,
 *   x = (2, 1), y = 1   and   x = (-1, 3), y = 0.
 * Both predict p = sigmoid(0) = 1/2, so each row costs ln 2 and the mean
 * loss is ln 2.  The gradient is the mean of (p - y) [x, 1]:
 *   row 1: -1/2 (2, 1, 1) = (-1, -1/2, -1/2)
 *   row 2: +1/2 (-1, 3, 1) = (-1/2, 3/2, 1/2)
 *   mean:  (-3/4, 1/2, 0).
 */
static void test_logistic_hand(void)
{
    const double x[] = { 2, 1, -1, 3 }, y[] = { 1, 0 };
    const int rows[] = { 0, 1 };
    HlDataset ds = { .n = 2, .d = 2, .x = x, .y = y };
    HlModelSpec s = { .task = HL_TASK_BINARY, .d = 2, .nclass = 1 };
    double w[3] = { 0 }, g[3], p;
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g), log(2.0), 1e-15);
    CHECK_NEAR(g[0], -0.75, 1e-15);
    CHECK_NEAR(g[1], 0.5, 1e-15);
    CHECK_NEAR(g[2], 0.0, 1e-15);
    hl_model_logistic.predict(&s, w, x, &p);
    CHECK_NEAR(p, 0.5, 1e-15);

    /* w = (1, 0), b = 0.5: row 1 has logit 2.5, p = 1/(1 + e^-2.5);
     * row 2 has logit -0.5, loss ln(1 + e^-0.5) */
    w[0] = 1;
    w[2] = 0.5;
    double want = (log(1 + exp(-2.5)) + log(1 + exp(-0.5))) / 2;
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, NULL), want, 1e-15);
    hl_model_logistic.predict(&s, w, x, &p);
    CHECK_NEAR(p, 1 / (1 + exp(-2.5)), 1e-15);

    /* l2 = 2 with no rows: l2/2 ||w||^2 = 1, the bias neither counted nor
     * pulled (its gradient stays 0) */
    s.l2 = 2.0;
    w[2] = 5.0;
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 0, g), 1.0, 1e-15);
    CHECK_NEAR(g[0], 2.0, 1e-15);
    CHECK_NEAR(g[1], 0.0, 1e-15);
    CHECK_NEAR(g[2], 0.0, 1e-15);

    /* logits of +-800: exp() would overflow; the loss must not */
    s.l2 = 0.0;
    w[0] = 400;
    w[1] = 0;
    w[2] = 0;   /* row 1: logit 800, y = 1: loss ~ e^-800 (0 in doubles); row 2: -400,
                 * y = 0: loss ~ e^-400 */
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g), exp(-400.0) / 2, 1e-188);
    w[0] = -400;  /* now both rows are confidently wrong: (800 + 400) / 2 */
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g), 600.0, 1e-12);
    CHECK_NEAR(g[0], (-1 * 2 + 1 * -1) / 2.0, 1e-15);
}

/*
 * Softmax regression, 3 classes, zero weights: every class has p = 1/3, so
 * each row costs ln 3.  Rows x = (1, 2) class 0 and x = (-1, 1) class 2:
 * the gradient of block c is the mean of (1/3 - [c = y]) [x, 1]:
 *   class 0: ((-2/3)(1, 2, 1) + (1/3)(-1, 1, 1)) / 2 = (-1/2, -1/2, -1/6)
 *   class 1: ((1/3)(1, 2, 1) + (1/3)(-1, 1, 1)) / 2  = (0, 1/2, 1/3)
 *   class 2: ((1/3)(1, 2, 1) + (-2/3)(-1, 1, 1)) / 2 = (1/2, 0, -1/6)
 */
static void test_softmax_hand(void)
{
    const double x[] = { 1, 2, -1, 1 }, y[] = { 0, 2 };
    const int rows[] = { 0, 1 };
    HlDataset ds = { .n = 2, .d = 2, .x = x, .y = y };
    HlModelSpec s = { .task = HL_TASK_MULTICLASS, .d = 2, .nclass = 3 };
    double w[9] = { 0 }, g[9], p[3];
    static const double want[9] = { -0.5, -0.5, -1.0 / 6, 0, 0.5, 1.0 / 3, 0.5, 0, -1.0 / 6 };
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g), log(3.0), 1e-15);
    for (int j = 0; j < 9; j++)
        CHECK_NEAR(g[j], want[j], 1e-15);
    hl_model_logistic.predict(&s, w, x, p);
    for (int c = 0; c < 3; c++)
        CHECK_NEAR(p[c], 1.0 / 3, 1e-15);

    /* biases (1000, 0, 1000): exp(1000) overflows, the log-sum-exp does not.
     * Each row: lse = 1000 + ln 2; row 1 (class 0) costs ln 2, row 2
     * (class 2) ln 2 as well. */
    w[2] = 1000;
    w[8] = 1000;
    CHECK_NEAR(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g), log(2.0), 1e-12);
    hl_model_logistic.predict(&s, w, x, p);
    CHECK_NEAR(p[0], 0.5, 1e-15);
    CHECK_NEAR(p[1], 0.0, 1e-300);

    /* a class index outside [0, 3) is not silently wrong */
    const double ybad[] = { 0, 3 };
    ds.y = ybad;
    CHECK(isnan(hl_model_logistic.loss_grad(&s, w, &ds, rows, 2, g)));
}

/*
 * Linear regression, closed form.  x = 0, 1, 2, 3 and y = 1, 3, 2, 5:
 * least squares slope Sxy / Sxx with means 1.5 and 2.75:
 *   Sxy = (-1.5)(-1.75) + (-0.5)(0.25) + (0.5)(-0.75) + (1.5)(2.25) = 5.5
 *   Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5
 * so w = 1.1 and b = 2.75 - 1.1 * 1.5 = 1.1.  Residuals there: 0.1, -0.8,
 * 1.3, -0.6, sum of squares 2.7, loss 2.7 / 8 = 0.3375, gradient 0.
 * At zero: loss (1 + 9 + 4 + 25) / 8 = 4.875, gradient -(mean xy, mean y)
 * = -(22/4, 11/4) = (-5.5, -2.75).
 */
static void test_linear_hand(void)
{
    const double x[] = { 0, 1, 2, 3 }, y[] = { 1, 3, 2, 5 };
    const int rows[] = { 0, 1, 2, 3 };
    HlDataset ds = { .n = 4, .d = 1, .x = x, .y = y };
    HlModelSpec s = { .task = HL_TASK_REGRESSION, .d = 1, .nclass = 1 };
    double w[2] = { 0, 0 }, g[2], out;
    CHECK_NEAR(hl_model_linear.loss_grad(&s, w, &ds, rows, 4, g), 4.875, 1e-15);
    CHECK_NEAR(g[0], -5.5, 1e-15);
    CHECK_NEAR(g[1], -2.75, 1e-15);
    w[0] = 1.1;
    w[1] = 1.1;
    CHECK_NEAR(hl_model_linear.loss_grad(&s, w, &ds, rows, 4, g), 0.3375, 1e-14);
    CHECK_NEAR(g[0], 0.0, 1e-14);
    CHECK_NEAR(g[1], 0.0, 1e-14);
    hl_model_linear.predict(&s, w, &x[3], &out);
    CHECK_NEAR(out, 4.4, 1e-14);
}

/*
 * A 2-2-1 network by hand, input x = (1, 2).
 *   W1 = [[0.5, -0.25], [-0.4, 0.1]], b1 = (0.1, 0)
 *   z1 = (0.5 - 0.5 + 0.1, -0.4 + 0.2 + 0) = (0.1, -0.2)
 *   W2 = [[2, -1]], b2 = 0.3
 * relu:  h = (0.1, 0);   z2 = 0.2 - 0 + 0.3 = 0.5;  sigmoid -> 1/(1 + e^-0.5)
 * tanh:  h = (tanh 0.1, tanh -0.2);  z2 = 2 tanh 0.1 + tanh 0.2 + 0.3
 * Binary target y = 1 with relu: loss = ln(1 + e^-0.5); output error
 * delta2 = p - 1; dL/db2 = delta2, dL/dW2 = delta2 h = (0.1 delta2, 0);
 * delta1 = W2^T delta2 * relu'(z1) = (2 delta2, 0); dL/dW1 row 0 =
 * 2 delta2 (1, 2), row 1 = 0; dL/db1 = (2 delta2, 0).
 */
static void test_mlp_hand(void)
{
    /* layout: W1 (2 rows of 2), b1, W2 (1 row of 2), b2 */
    const double w[] = { 0.5, -0.25, -0.4, 0.1, 0.1, 0.0, 2.0, -1.0, 0.3 };
    const double x[] = { 1, 2 }, y[] = { 1 };
    const int rows[] = { 0 };
    HlDataset ds = { .n = 1, .d = 2, .x = x, .y = y };
    HlModelSpec s = { .task = HL_TASK_BINARY, .d = 2, .nclass = 1, .nhidden = 1,
                      .hidden = { 2 }, .activation = HL_ACT_RELU };
    double out, g[9];
    CHECK_INT(hl_model_mlp.nparams(&s), 9);
    hl_model_mlp.predict(&s, w, x, &out);
    double p = 1 / (1 + exp(-0.5));
    CHECK_NEAR(out, p, 1e-15);
    CHECK_NEAR(hl_model_mlp.loss_grad(&s, w, &ds, rows, 1, g), log(1 + exp(-0.5)), 1e-15);
    double d2 = p - 1;
    const double want[9] = { 2 * d2, 4 * d2, 0, 0, 2 * d2, 0, 0.1 * d2, 0, d2 };
    for (int j = 0; j < 9; j++)
        CHECK_NEAR(g[j], want[j], 1e-15);

    s.activation = HL_ACT_TANH;
    hl_model_mlp.predict(&s, w, x, &out);
    CHECK_NEAR(out, 1 / (1 + exp(-(2 * tanh(0.1) + tanh(0.2) + 0.3))), 1e-15);

    /* regression, sigmoid hidden: linear output, no squashing */
    s.task = HL_TASK_REGRESSION;
    s.activation = HL_ACT_SIGMOID;
    hl_model_mlp.predict(&s, w, x, &out);
    double h0 = 1 / (1 + exp(-0.1)), h1 = 1 / (1 + exp(0.2));
    CHECK_NEAR(out, 2 * h0 - h1 + 0.3, 1e-15);
    /* half squared error against y = 1 */
    double r = 2 * h0 - h1 + 0.3 - 1;
    CHECK_NEAR(hl_model_mlp.loss_grad(&s, w, &ds, rows, 1, NULL), 0.5 * r * r, 1e-15);
}

/* He for relu layers (sd sqrt(2 / fan_in)), Glorot uniform elsewhere
 * (|w| <= sqrt(6 / (fan_in + fan_out))), biases zero, same stream same
 * draws. */
static void test_mlp_init(void)
{
    HlModelSpec s = { .task = HL_TASK_BINARY, .d = 200, .nclass = 1, .nhidden = 1,
                      .hidden = { 300 }, .activation = HL_ACT_RELU };
    const int np = hl_model_mlp.nparams(&s);   /* 300 * 201 + 301 */
    CHECK_INT(np, 60601);
    double *a = malloc((size_t)np * sizeof *a), *b = malloc((size_t)np * sizeof *b);
    HlRng r;
    hl_rng_seed(&r, 3, 0, 0, HL_RNG_INIT);
    hl_model_mlp.init(&s, a, &r);
    hl_rng_seed(&r, 3, 0, 0, HL_RNG_INIT);
    hl_model_mlp.init(&s, b, &r);
    CHECK(memcmp(a, b, (size_t)np * sizeof *a) == 0);

    double s2 = 0.0;
    for (int j = 0; j < 60000; j++)
        s2 += a[j] * a[j];
    CHECK_NEAR(sqrt(s2 / 60000), sqrt(2.0 / 200), 0.002);   /* 0.1, to 2% */
    int nonzero_bias = 0, outside = 0;
    for (int j = 60000; j < 60300; j++)
        nonzero_bias += a[j] != 0.0;
    const double lim = sqrt(6.0 / 301);
    for (int j = 60300; j < 60600; j++)
        outside += fabs(a[j]) > lim;
    CHECK_INT(nonzero_bias, 0);
    CHECK_INT(outside, 0);
    CHECK(a[60600] == 0.0);

    s.activation = HL_ACT_TANH;
    hl_model_mlp.init(&s, a, &r);
    const double lim1 = sqrt(6.0 / 500);
    double m2 = 0.0;
    for (int j = 0; j < 60000; j++) {
        outside += fabs(a[j]) > lim1;
        m2 += a[j] * a[j];
    }
    CHECK_INT(outside, 0);
    CHECK_NEAR(m2 / 60000, lim1 * lim1 / 3, 0.03 * lim1 * lim1 / 3);  /* U(-a, a): a^2/3 */
    free(a);
    free(b);
}

/* A wide network: predict's scratch leaves the stack, results agree with
 * loss_grad's forward pass. */
static void test_mlp_wide(void)
{
    HlModelSpec s = { .task = HL_TASK_REGRESSION, .d = 3, .nclass = 1, .nhidden = 2,
                      .hidden = { 700, 5 }, .activation = HL_ACT_TANH };
    const int np = hl_model_mlp.nparams(&s);
    double *w = malloc((size_t)np * sizeof *w), out;
    const double x[] = { 0.3, -1, 2 }, y[] = { 0 };
    const int rows[] = { 0 };
    HlDataset ds = { .n = 1, .d = 3, .x = x, .y = y };
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_INIT);
    hl_model_mlp.init(&s, w, &r);
    w[np - 1] = 0.25;   /* the output bias, so the output is not tiny */
    hl_model_mlp.predict(&s, w, x, &out);
    CHECK_NEAR(hl_model_mlp.loss_grad(&s, w, &ds, rows, 1, NULL), 0.5 * out * out, 1e-15);
    free(w);
}

int main(void)
{
    RUN(test_xoshiro_reference);
    RUN(test_rng_streams);
    RUN(test_rng_uniform_below);
    RUN(test_rng_normal);
    RUN(test_rng_gamma);
    RUN(test_rng_dirichlet);
    RUN(test_rng_shuffle);
    RUN(test_model_find);
    RUN(test_nparams);
    RUN(test_gradients);
    RUN(test_logistic_hand);
    RUN(test_softmax_hand);
    RUN(test_linear_hand);
    RUN(test_mlp_hand);
    RUN(test_mlp_init);
    RUN(test_mlp_wide);
    return unit_report();
}
