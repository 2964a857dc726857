/*
 * linear.c - linear_regression: y^ = w.x + b, loss half the mean squared
 * error (1/2m) sum (y^ - y)^2, plus l2/2 ||w||^2 over the weights, not the
 * bias.  Regression tasks only (nparams is -1 for classification).
 *
 * Parameter layout: w[0..d), then the bias at [d]: d+1 values, zeros at
 * the start.
 */
#include "model.h"

#include <limits.h>
#include <string.h>

static int lin_nparams(const HlModelSpec *s)
{
    if (s->task != HL_TASK_REGRESSION || s->d < 0 || s->d >= INT_MAX)
        return -1;
    return s->d + 1;
}

static void lin_init(const HlModelSpec *s, double *params, HlRng *rng)
{
    (void)rng;
    memset(params, 0, (size_t)(s->d + 1) * sizeof *params);
}

static size_t lin_work_size(const HlModelSpec *s)
{
    (void)s;
    return 0;
}

static double lin_loss_grad_ws(const HlModelSpec *s, const double *params, const HlDataset *ds,
                               const int *rows, int m, double *grad, double *work)
{
    const int d = s->d;
    double sq = 0.0;
    (void)work;
    if (grad)
        memset(grad, 0, (size_t)(d + 1) * sizeof *grad);
    for (int i = 0; i < m; i++) {
        const double *x = ds->x + (size_t)rows[i] * ds->d;
        double r = hl_dot(params, x, d) + params[d] - ds->y[rows[i]];
        sq += r * r;
        if (grad) {
            hl_axpy(grad, r, x, d);
            grad[d] += r;
        }
    }
    double loss = m > 0 ? 0.5 * sq / m : 0.0;
    if (grad && m > 0)
        for (int j = 0; j <= d; j++)
            grad[j] /= m;
    if (s->l2 != 0.0) {
        loss += 0.5 * s->l2 * hl_dot(params, params, d);
        if (grad)
            hl_axpy(grad, s->l2, params, d);
    }
    return loss;
}

static double lin_loss_grad(const HlModelSpec *s, const double *params, const HlDataset *ds,
                            const int *rows, int m, double *grad)
{
    return lin_loss_grad_ws(s, params, ds, rows, m, grad, NULL);
}

static void lin_predict(const HlModelSpec *s, const double *params, const double *x, double *out)
{
    out[0] = hl_dot(params, x, s->d) + params[s->d];
}

const HlModelOps hl_model_linear = {
    .name = "linear_regression",
    .nparams = lin_nparams,
    .init = lin_init,
    .loss_grad = lin_loss_grad,
    .work_size = lin_work_size,
    .loss_grad_ws = lin_loss_grad_ws,
    .predict = lin_predict,
};
