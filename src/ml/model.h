/*
 * model.h - the model kinds, one file each behind one vtable.
 *
 * A model is a flat parameter vector (double) plus a spec that says how to
 * read it.  Data reaches a model already encoded (ml/encode.h): n rows of d
 * standardized numbers, and a target per row (0/1 for binary, a class index
 * for multiclass, a number for regression).  The model kinds know nothing
 * of nodes, rounds or SQL: local training (ml/train.c) drives loss_grad();
 * the engine moves parameter vectors.
 */
#ifndef HL_MODEL_H
#define HL_MODEL_H

#include <math.h>
#include <stddef.h>

#include "rng.h"

typedef enum HlTask { HL_TASK_BINARY = 1, HL_TASK_MULTICLASS, HL_TASK_REGRESSION } HlTask;
typedef enum HlAct { HL_ACT_RELU = 1, HL_ACT_TANH, HL_ACT_SIGMOID, HL_ACT_SOFTMAX, HL_ACT_LINEAR } HlAct;

#define HL_MAX_LAYERS 16

typedef struct HlModelSpec {
    HlTask task;
    int d;                      /* encoded features */
    int nclass;                 /* MULTICLASS: classes (>= 3); else 1 output */
    /* neural_network */
    int nhidden;                /* hidden layers */
    int hidden[HL_MAX_LAYERS];  /* their sizes */
    HlAct activation;           /* of hidden layers; 0: relu */
    HlAct output;               /* of the output layer; 0: from the task (sigmoid,
                                   softmax, linear), and only that one is accepted */
    double l2;                  /* l2_regularization: + l2/2 ||w||^2 (not on biases) */
} HlModelSpec;

/* An encoded data set: row i is x[i*d .. i*d+d), its target y[i]. */
typedef struct HlDataset {
    int n, d;
    const double *x;
    const double *y;
} HlDataset;

typedef struct HlModelOps {
    const char *name;           /* the option value: "logistic_regression" */
    /* Number of parameters, or -1 when the spec is not one this kind takes
     * (e.g. linear_regression on a classification task). */
    int (*nparams)(const HlModelSpec *s);
    /* Initial parameters (zeros, or seeded draws for neural networks). */
    void (*init)(const HlModelSpec *s, double *params, HlRng *rng);
    /* Mean loss over rows[0..m) of ds, and its gradient (added to nothing:
     * grad is overwritten, size nparams).  Loss: binary cross-entropy,
     * categorical cross-entropy, or half mean squared error, plus the l2
     * term.  grad may be NULL: only the loss is computed (about half the
     * work).  m = 0 gives the l2 term alone.  Allocates the scratch it needs
     * for this call, and returns NaN when that fails. */
    double (*loss_grad)(const HlModelSpec *s, const double *params, const HlDataset *ds,
                        const int *rows, int m, double *grad);
    /* Scratch loss_grad_ws needs, in doubles (0: none). */
    size_t (*work_size)(const HlModelSpec *s);
    /* loss_grad with the caller's scratch of work_size(s) doubles: for a
     * caller that takes many steps (train.c allocates it once a call). */
    double (*loss_grad_ws)(const HlModelSpec *s, const double *params, const HlDataset *ds,
                           const int *rows, int m, double *grad, double *work);
    /* Outputs for one encoded row: 1 value (probability of class 1, or the
     * regression value) or nclass probabilities.  Allocates nothing unless
     * a network layer is wider than 256 units (then NaN outputs if that
     * allocation fails). */
    void (*predict)(const HlModelSpec *s, const double *params, const double *x, double *out);
} HlModelOps;

/* The model kind named `name`, or NULL. */
const HlModelOps *hl_model_find(const char *name);

/* ---- for the model files ---- */

static inline double hl_dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y += a x */
static inline void hl_axpy(double *y, double a, const double *x, int n)
{
    for (int i = 0; i < n; i++)
        y[i] += a * x[i];
}

static inline double hl_sigmoid(double z)
{
    if (z >= 0.0)
        return 1.0 / (1.0 + exp(-z));
    double e = exp(z);
    return e / (1.0 + e);
}

/* Binary cross-entropy of logit z against target y in [0, 1],
 * -y log s(z) - (1-y) log(1 - s(z)) = y softplus(-z) + (1-y) softplus(z),
 * written as log(1 + e^-|z|) plus a term that never cancels it; *p gets
 * s(z) from the same exp() when p is not NULL. */
static inline double hl_bce_logit(double z, double y, double *p)
{
    double e = exp(-fabs(z));
    if (p)
        *p = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    return log1p(e) + (z > 0.0 ? (1.0 - y) * z : -y * z);
}

/* z[0..k) -> softmax probabilities in place; returns log sum_c e^z_c,
 * computed with the maximum subtracted so nothing overflows. */
static inline double hl_softmax(double *z, int k)
{
    double max = z[0], sum = 0.0;
    for (int c = 1; c < k; c++)
        if (z[c] > max)
            max = z[c];
    for (int c = 0; c < k; c++) {
        z[c] = exp(z[c] - max);
        sum += z[c];
    }
    for (int c = 0; c < k; c++)
        z[c] /= sum;
    return max + log(sum);
}

/* ops->loss_grad_ws with scratch allocated for this
 * one call (NaN when that fails). */
double hl_model_loss_grad_alloc(const HlModelOps *ops, const HlModelSpec *s, const double *params,
                                const HlDataset *ds, const int *rows, int m, double *grad);

extern const HlModelOps hl_model_logistic;      /* logistic.c: binary and multinomial */
extern const HlModelOps hl_model_linear;        /* linear.c */
extern const HlModelOps hl_model_mlp;           /* mlp.c: neural_network */

#endif
