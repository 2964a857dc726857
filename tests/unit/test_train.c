/*
 * test_train.c - local training (ml/train.c) without differential privacy:
 * the optimizers (SGD, momentum, Adam) against steps worked out by hand,
 * FedProx's pull toward the global model, the adaptive schedule, batching,
 * determinism, convergence to a minimum found independently (Newton's
 * method), and the refusals.  DP-SGD is in test_dpsgd.c.
 */
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

#include "ml/train.h"
#include "train_helpers.h"

/*
 * One full-batch SGD step from zero: both rows predict 1/2, so
 *   dL/dw = ((1/2 - 1) 2 + (1/2 - 0)(-1)) / 2 = -3/4,  dL/db = (-1/2 + 1/2) / 2 = 0
 * and with lr 0.1: w = 0.075, b = 0.  loss_before = ln 2.
 */
static void test_sgd_step(void)
{
    HlTrainConfig cfg = config(HL_OPTIM_SGD, 1, 2, 0.1);
    double g[2] = { 0, 0 }, w[2] = { 0, 0 };
    HlTrainResult res;
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &lds, g, w, &r, &res), 0);
    CHECK_NEAR(w[0], 0.075, 1e-16);
    CHECK_NEAR(w[1], 0.0, 1e-16);
    CHECK_INT(res.steps, 1);
    CHECK_NEAR(res.loss_before, log(2.0), 1e-15);
    /* after: logits 0.15 (y = 1) and -0.075 (y = 0) */
    CHECK_NEAR(res.loss_after, (log(1 + exp(-0.15)) + log(1 + exp(-0.075))) / 2, 1e-15);
    CHECK(res.loss_after < res.loss_before);
}

/*
 * One Adam step from zero: m = 0.1 g, v = 0.001 g^2, bias-corrected to
 * m^ = g, v^ = g^2, so each weight moves by lr g / (|g| + 1e-8), almost
 * exactly lr sign(g) (Kingma & Ba 2015, Sec. 2.1).  With g = (-3/4, 0):
 * w = 0.1 * 0.75 / (0.75 + 1e-8), b stays 0 (0 / (0 + eps)).
 */
static void test_adam_step(void)
{
    HlTrainConfig cfg = config(HL_OPTIM_ADAM, 1, 2, 0.1);
    double g[2] = { 0, 0 }, w[2] = { 0, 0 };
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &lds, g, w, &r, NULL), 0);
    CHECK_NEAR(w[0], 0.1 * 0.75 / (0.75 + 1e-8), 1e-16);
    CHECK_NEAR(w[0], 0.1, 1e-8);
    CHECK(w[1] == 0.0);
}

/* Linear regression on x = 1, 2 and y = 1, 2, full batch, lr 0.1. */
static const double rx[] = { 1, 2 }, ry[] = { 1, 2 };
static const HlDataset rds = { .n = 2, .d = 1, .x = rx, .y = ry };

static void train2(HlTrainConfig cfg, double *w)
{
    double g[2] = { 0, 0 };
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    w[0] = w[1] = 0.0;
    CHECK_INT(hl_train_local(&hl_model_linear, &rspec, &cfg, &rds, g, w, &r, NULL), 0);
}

/*
 * Two full-batch steps (2 epochs of one batch).  The gradient of the half
 * mean squared error is (mean r x, mean r), r = w x + b - y.
 *   step 1 at (0, 0): r = (-1, -2), g1 = (-(1 + 4)/2, -(1 + 2)/2) = (-2.5, -1.5)
 *     -> (0.25, 0.15) for SGD and momentum alike (v = g1).
 *   step 2 at (0.25, 0.15): predictions 0.4, 0.65, r = (-0.6, -1.35),
 *     g2 = ((-0.6 - 2.7)/2, (-0.6 - 1.35)/2) = (-1.65, -0.975).
 *   momentum: v = 0.9 g1 + g2 = (-3.9, -2.325) -> (0.64, 0.3825).
 *   FedProx mu = 1 (global 0): g2 + (0.25, 0.15) = (-1.4, -0.825) -> (0.39, 0.2325).
 *   adaptive: lr 0.1 / sqrt(2) at step 2 -> (0.25, 0.15) + 0.1/sqrt 2 (1.65, 0.975).
 */
static void test_two_steps_by_hand(void)
{
    double w[2];
    HlTrainConfig cfg = config(HL_OPTIM_SGD, 2, 2, 0.1);
    train2(cfg, w);
    CHECK_NEAR(w[0], 0.25 + 0.165, 1e-15);
    CHECK_NEAR(w[1], 0.15 + 0.0975, 1e-15);

    cfg.optimizer = HL_OPTIM_MOMENTUM;
    train2(cfg, w);
    CHECK_NEAR(w[0], 0.64, 1e-15);
    CHECK_NEAR(w[1], 0.3825, 1e-15);

    cfg.optimizer = HL_OPTIM_SGD;
    cfg.proximal_mu = 1.0;
    train2(cfg, w);
    CHECK_NEAR(w[0], 0.39, 1e-15);
    CHECK_NEAR(w[1], 0.2325, 1e-15);

    cfg.proximal_mu = 0.0;
    cfg.adaptive = 1;
    train2(cfg, w);
    CHECK_NEAR(w[0], 0.25 + 0.1 / sqrt(2.0) * 1.65, 1e-15);
    CHECK_NEAR(w[1], 0.15 + 0.1 / sqrt(2.0) * 0.975, 1e-15);
}

/* Batch count: 60 rows in batches of 7 is 9 steps an epoch (the last of 4
 * rows); the loss falls well below ln 2 on a separable set. */
static void test_reduces_loss(void)
{
    static const HlOptim optims[] = { HL_OPTIM_SGD, HL_OPTIM_MOMENTUM, HL_OPTIM_ADAM };
    Sep s;
    make_separable(&s);
    for (int o = 0; o < 3; o++) {
        HlTrainConfig cfg = config(optims[o], 3, 7, 0.1);
        double g[3] = { 0 }, w[3] = { 0 };
        HlTrainResult res;
        HlRng r;
        hl_rng_seed(&r, 5, 1, 2, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &cfg, &s.ds, g, w, &r, &res), 0);
        CHECK_INT(res.steps, 27);
        CHECK_NEAR(res.loss_before, log(2.0), 1e-15);
        CHECK(res.loss_after < 0.3);
    }
}

/* The proximal term pulls toward the global parameters: from the same
 * start, a huge mu keeps the node within |g| / mu of them while plain SGD
 * wanders off (lr mu = 0.5 keeps the pull itself stable). */
static void test_proximal_pull(void)
{
    Sep s;
    make_separable(&s);
    const double global[3] = { 0.3, -0.2, 0.1 };
    double dist[2];
    for (int k = 0; k < 2; k++) {
        HlTrainConfig cfg = config(HL_OPTIM_SGD, 20, 10, 0.001);
        cfg.proximal_mu = k ? 500.0 : 0.0;
        double w[3];
        HlRng r;
        memcpy(w, global, sizeof w);
        hl_rng_seed(&r, 5, 1, 2, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_logistic, &sspec, &cfg, &s.ds, global, w, &r, NULL), 0);
        dist[k] = 0.0;
        for (int j = 0; j < 3; j++)
            dist[k] += (w[j] - global[j]) * (w[j] - global[j]);
        dist[k] = sqrt(dist[k]);
    }
    CHECK(dist[0] > 0.05);
    CHECK(dist[1] < 0.05 * dist[0]);   /* measured: 0.0015 against 0.083 */
    CHECK(dist[1] < 2.0 / 500);     /* a logistic gradient is at most |x| + 1 */
}

/* The same stream gives bit-identical parameters; another stream (another
 * node) a different batch order and so different parameters. */
static void test_determinism(void)
{
    Sep s;
    make_separable(&s);
    HlModelSpec net = { .task = HL_TASK_BINARY, .d = 2, .nclass = 1, .nhidden = 2,
                        .hidden = { 8, 4 }, .activation = HL_ACT_TANH, .l2 = 0.01 };
    const int np = hl_model_mlp.nparams(&net);
    double *global = malloc((size_t)np * sizeof *global);
    double *w[3];
    HlRng r;
    hl_rng_seed(&r, 9, 0, 0, HL_RNG_INIT);
    hl_model_mlp.init(&net, global, &r);
    for (int k = 0; k < 3; k++) {
        HlTrainConfig cfg = config(HL_OPTIM_ADAM, 2, 3, 0.01);
        cfg.proximal_mu = 0.1;
        cfg.adaptive = 1;
        w[k] = malloc((size_t)np * sizeof *w[k]);
        memcpy(w[k], global, (size_t)np * sizeof *global);
        hl_rng_seed(&r, 9, 4, k == 2 ? 2 : 1, HL_RNG_SHUFFLE);
        CHECK_INT(hl_train_local(&hl_model_mlp, &net, &cfg, &s.ds, global, w[k], &r, NULL), 0);
    }
    CHECK(memcmp(w[0], w[1], (size_t)np * sizeof *global) == 0);
    CHECK(memcmp(w[0], w[2], (size_t)np * sizeof *global) != 0);
    for (int k = 0; k < 3; k++)
        free(w[k]);
    free(global);
}

/*
 * Convergence sanity: a long full-batch gradient descent on an overlapping
 * (non-separable) logistic problem reaches the minimum that Newton's method
 * finds independently here, and minibatch SGD with the adaptive schedule
 * ends close to it.  Data: x = -2..2 step 0.5 (9 points), y = 1 at
 * x = -1.5, 0, 0.5, 1.5, 2 - mixed classes, so a finite minimum exists.
 */
static void test_convergence(void)
{
    double x[9], y[9] = { 0, 1, 0, 0, 1, 1, 0, 1, 1 };
    for (int i = 0; i < 9; i++)
        x[i] = -2.0 + 0.5 * i;
    const HlDataset ds = { .n = 9, .d = 1, .x = x, .y = y };

    /* Newton: H = mean p(1-p) [x 1][x 1]^T, step -H^-1 g */
    double nw = 0.0, nb = 0.0;
    for (int it = 0; it < 50; it++) {
        double g0 = 0, g1 = 0, h00 = 0, h01 = 0, h11 = 0;
        for (int i = 0; i < 9; i++) {
            double p = 1 / (1 + exp(-(nw * x[i] + nb))), q = p * (1 - p);
            g0 += (p - y[i]) * x[i] / 9;
            g1 += (p - y[i]) / 9;
            h00 += q * x[i] * x[i] / 9;
            h01 += q * x[i] / 9;
            h11 += q / 9;
        }
        double det = h00 * h11 - h01 * h01;
        nw -= (h11 * g0 - h01 * g1) / det;
        nb -= (-h01 * g0 + h00 * g1) / det;
    }

    HlTrainConfig cfg = config(HL_OPTIM_SGD, 5000, 9, 1.0);
    double g[2] = { 0, 0 }, w[2] = { 0, 0 }, grad[2];
    const int rows[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
    HlTrainResult res;
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &ds, g, w, &r, &res), 0);
    CHECK_NEAR(w[0], nw, 1e-9);
    CHECK_NEAR(w[1], nb, 1e-9);
    double at_min = hl_model_logistic.loss_grad(&lspec, w, &ds, rows, 9, grad);
    CHECK_NEAR(grad[0], 0.0, 1e-10);
    CHECK_NEAR(grad[1], 0.0, 1e-10);
    CHECK_NEAR(res.loss_after, at_min, 1e-15);

    /* minibatches of 2 with the 1/sqrt(1 + t) decay: near the same minimum */
    cfg = config(HL_OPTIM_SGD, 4000, 2, 0.5);
    cfg.adaptive = 1;
    w[0] = w[1] = 0.0;
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &ds, g, w, &r, &res), 0);
    CHECK_NEAR(w[0], nw, 0.05);
    CHECK_NEAR(w[1], nb, 0.05);
    CHECK_NEAR(res.loss_after, at_min, 1e-3);
}

/* Bad configurations are refused and leave the parameters alone; a node
 * without rows takes no step. */
static void test_refusals(void)
{
    double g[2] = { 0, 0 }, w[2] = { 1, 2 };
    HlTrainResult res;
    HlRng r;
    hl_rng_seed(&r, 1, 0, 0, HL_RNG_SHUFFLE);
    HlTrainConfig cfg = config(HL_OPTIM_SGD, 1, 0, 0.1);
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &lds, g, w, &r, &res), -1);
    cfg.batch_size = 4;
    CHECK_INT(hl_train_local(&hl_model_linear, &lspec, &cfg, &lds, g, w, &r, &res), -1);
    CHECK(w[0] == 1 && w[1] == 2);

    const HlDataset empty = { .n = 0, .d = 1, .x = lx, .y = ly };
    CHECK_INT(hl_train_local(&hl_model_logistic, &lspec, &cfg, &empty, g, w, &r, &res), 0);
    CHECK_INT(res.steps, 0);
    CHECK(w[0] == 1 && w[1] == 2);
    CHECK(res.loss_before == 0.0 && res.loss_after == 0.0);
}

int main(void)
{
    RUN(test_sgd_step);
    RUN(test_adam_step);
    RUN(test_two_steps_by_hand);
    RUN(test_reduces_loss);
    RUN(test_proximal_pull);
    RUN(test_determinism);
    RUN(test_convergence);
    RUN(test_refusals);
    return unit_report();
}
