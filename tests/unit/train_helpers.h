/*
 * train_helpers.h - what the local training tests share: the training
 * configuration (config), the two logistic rows (lds, lspec), the linear
 * regression spec (rspec) and a separable two-class set in 2 dims
 * (make_separable, sspec).  Included by test_train.c and test_dpsgd.c only.
 */
#ifndef HL_TRAIN_HELPERS_H
#define HL_TRAIN_HELPERS_H

#include "ml/train.h"

static inline HlTrainConfig config(HlOptim optim, int epochs, int batch, double lr)
{
    return (HlTrainConfig){ .local_epochs = epochs, .batch_size = batch, .learning_rate = lr,
                            .optimizer = optim };
}

/* Two rows, one feature: x = 2, y = 1 and x = -1, y = 0 (logistic). */
static const double lx[] = { 2, -1 }, ly[] = { 1, 0 };
static const HlDataset lds = { .n = 2, .d = 1, .x = lx, .y = ly };
static const HlModelSpec lspec = { .task = HL_TASK_BINARY, .d = 1, .nclass = 1 };

/* Linear regression, one feature. */
static const HlModelSpec rspec = { .task = HL_TASK_REGRESSION, .d = 1, .nclass = 1 };

/* A separable two-class problem: class by the sign of x0 + x1, in 2 dims. */
enum { SN = 60 };

typedef struct Sep {
    double x[SN * 2], y[SN];
    HlDataset ds;
} Sep;

static inline void make_separable(Sep *s)
{
    HlRng r;
    hl_rng_seed(&r, 77, 0, 0, HL_RNG_INIT);
    for (int i = 0; i < SN; i++) {
        double a = hl_rng_normal(&r), b = hl_rng_normal(&r);
        s->y[i] = a + b > 0;
        double push = s->y[i] ? 0.5 : -0.5;     /* a margin around the boundary */
        s->x[2 * i] = a + push;
        s->x[2 * i + 1] = b + push;
    }
    s->ds = (HlDataset){ .n = SN, .d = 2, .x = s->x, .y = s->y };
}

/* The separable set's model: logistic regression in 2 dims. */
static const HlModelSpec sspec = { .task = HL_TASK_BINARY, .d = 2, .nclass = 1 };

#endif
