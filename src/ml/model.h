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
    HlAct activation;           /* of hidden layers */
    HlAct output;               /* of the output layer (default from the task) */
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
     * term. */
    double (*loss_grad)(const HlModelSpec *s, const double *params, const HlDataset *ds,
                        const int *rows, int m, double *grad);
    /* Outputs for one encoded row: 1 value (probability of class 1, or the
     * regression value) or nclass probabilities. */
    void (*predict)(const HlModelSpec *s, const double *params, const double *x, double *out);
} HlModelOps;

/* The model kind named `name`, or NULL. */
const HlModelOps *hl_model_find(const char *name);

extern const HlModelOps hl_model_logistic;      /* logistic.c: binary and multinomial */
extern const HlModelOps hl_model_linear;        /* linear.c */
extern const HlModelOps hl_model_mlp;           /* mlp.c: neural_network */

#endif
