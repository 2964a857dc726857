/*
 * logistic.c - logistic_regression, binary and multinomial.
 *
 * Binary: p = sigmoid(w.x + b), loss binary cross-entropy, computed from
 * the logit as log(1 + e^-|z|) plus a linear term (hl_bce_logit), so that
 * no exp() overflows and no log(0) is taken.  Multiclass: p = softmax(W x + b), loss categorical cross-entropy
 * log sum_c e^z_c - z_y, the log-sum-exp with the maximum subtracted.
 * Both add l2/2 ||w||^2 over the weights, not the biases.
 *
 * Parameter layout: one block of d+1 per output, the d weights then the
 * bias.  Binary has one block (w[0..d), b at [d]: d+1 values); multiclass
 * has one per class, class c at [c(d+1), (c+1)(d+1)): (d+1) nclass values.
 * Initial parameters are zeros.
 */
#include "model.h"

#include <limits.h>
#include <string.h>

/* Blocks of d+1 parameters: 1 for binary, nclass for multiclass, 0 for a
 * task this model does not take. */
static int outputs(const HlModelSpec *s)
{
    if (s->d < 0)
        return 0;
    if (s->task == HL_TASK_BINARY)
        return 1;
    if (s->task == HL_TASK_MULTICLASS && s->nclass >= 2)
        return s->nclass;
    return 0;
}

static int lr_nparams(const HlModelSpec *s)
{
    long long n = (long long)outputs(s) * (s->d + 1);
    return n > 0 && n <= INT_MAX ? (int)n : -1;
}

static void lr_init(const HlModelSpec *s, double *params, HlRng *rng)
{
    (void)rng;
    memset(params, 0, (size_t)lr_nparams(s) * sizeof *params);
}

static size_t lr_work_size(const HlModelSpec *s)
{
    return s->task == HL_TASK_MULTICLASS ? (size_t)outputs(s) : 0;
}

/* l2/2 ||w||^2 over the weights of every block; grad += l2 w. */
static double add_l2(const HlModelSpec *s, const double *params, double *grad)
{
    const int k = outputs(s), d = s->d;
    double sq = 0.0;
    if (s->l2 == 0.0)
        return 0.0;
    for (int c = 0; c < k; c++) {
        const double *w = params + (size_t)c * (d + 1);
        sq += hl_dot(w, w, d);
        if (grad)
            hl_axpy(grad + (size_t)c * (d + 1), s->l2, w, d);
    }
    return 0.5 * s->l2 * sq;
}

/* One row, binary: the loss, and (p - y) [x, 1] added to grad. */
static double row_binary(int d, const double *params, const double *x, double y, double *grad)
{
    double p, z = hl_dot(params, x, d) + params[d];
    double loss = hl_bce_logit(z, y, &p);
    if (grad) {
        hl_axpy(grad, p - y, x, d);
        grad[d] += p - y;
    }
    return loss;
}

/* One row, multiclass with target class y: the loss, and
 * (p_c - [c = y]) [x, 1] added to block c of grad.  z: k doubles of scratch.
 * A target outside [0, k) makes the loss NaN rather than a wrong number. */
static double row_multi(int d, int k, const double *params, const double *x, double y,
                        double *grad, double *z)
{
    const int yc = (int)y;
    if (!(y >= 0.0 && y < k))
        return NAN;
    for (int c = 0; c < k; c++) {
        const double *w = params + (size_t)c * (d + 1);
        z[c] = hl_dot(w, x, d) + w[d];
    }
    double zy = z[yc];
    double lse = hl_softmax(z, k);
    if (grad)
        for (int c = 0; c < k; c++) {
            double *g = grad + (size_t)c * (d + 1);
            double r = z[c] - (c == yc);
            hl_axpy(g, r, x, d);
            g[d] += r;
        }
    return lse - zy;
}

static double lr_loss_grad_ws(const HlModelSpec *s, const double *params, const HlDataset *ds,
                              const int *rows, int m, double *grad, double *work)
{
    const int d = s->d, k = outputs(s);
    double loss = 0.0;
    if (grad)
        memset(grad, 0, (size_t)k * (d + 1) * sizeof *grad);
    for (int i = 0; i < m; i++) {
        const double *x = ds->x + (size_t)rows[i] * ds->d;
        const double y = ds->y[rows[i]];
        loss += s->task == HL_TASK_BINARY ? row_binary(d, params, x, y, grad)
                                          : row_multi(d, k, params, x, y, grad, work);
    }
    if (m > 0) {
        loss /= m;
        if (grad)
            for (int j = 0; j < k * (d + 1); j++)
                grad[j] /= m;
    }
    return loss + add_l2(s, params, grad);
}

static double lr_loss_grad(const HlModelSpec *s, const double *params, const HlDataset *ds,
                           const int *rows, int m, double *grad)
{
    return hl_model_loss_grad_alloc(&hl_model_logistic, s, params, ds, rows, m, grad);
}

static void lr_predict(const HlModelSpec *s, const double *params, const double *x, double *out)
{
    const int d = s->d, k = outputs(s);
    if (s->task == HL_TASK_BINARY) {
        out[0] = hl_sigmoid(hl_dot(params, x, d) + params[d]);
        return;
    }
    for (int c = 0; c < k; c++) {
        const double *w = params + (size_t)c * (d + 1);
        out[c] = hl_dot(w, x, d) + w[d];
    }
    hl_softmax(out, k);
}

const HlModelOps hl_model_logistic = {
    .name = "logistic_regression",
    .nparams = lr_nparams,
    .init = lr_init,
    .loss_grad = lr_loss_grad,
    .work_size = lr_work_size,
    .loss_grad_ws = lr_loss_grad_ws,
    .predict = lr_predict,
};
