/*
 * fedopt.c - the adaptive server optimizers FedAdagrad, FedYogi and
 * FedAdam of Reddi et al. 2021, "Adaptive Federated Optimization" (ICLR),
 * Algorithm 2, run on the pseudo-gradient of a round:
 *
 *     Delta_t = sum_i w_i (x_i - x_t) / sum_i w_i
 *     m_t     = beta1 m_{t-1} + (1 - beta1) Delta_t
 *     v_t     = v_{t-1} + Delta_t^2                                   Adagrad
 *             = v_{t-1} - (1 - beta2) Delta_t^2 sign(v_{t-1} - Delta_t^2)  Yogi
 *             = beta2 v_{t-1} + (1 - beta2) Delta_t^2                 Adam
 *     x_{t+1} = x_t + eta m_t / (sqrt(v_t) + tau)
 *
 * all per coordinate, eta = server_learning_rate.  As in the paper there
 * is no bias correction, and beta1 is used by all three (FedAdagrad
 * included); beta2 is not used by FedAdagrad.
 *
 * Differences from the paper, on purpose:
 * - Delta_t is the weighted mean of the node updates (weights: rows when
 *   weighted_aggregation, else 1, which gives the paper's plain mean
 *   1/|S| sum_i Delta_i), as Flower's FedOpt strategies also do.
 * - Where sqrt(v) + tau is 0 (only with tau = 0, which the options
 *   refuse, and then m = 0 too) the step is 0 rather than 0/0.
 *
 * Initialization: Algorithm 2 takes v_{-1} >= tau^2 and (implicitly)
 * m_{-1} = 0; we take the bound itself, v_{-1} = tau^2, m_{-1} = 0.
 * Flower's FedAdam/FedYogi/FedAdagrad (flwr/server/strategy/fedadam.py
 * etc.) start both at 0 instead; the results differ by the tau^2 in v,
 * which is invisible for tau = 1e-3 but changes FedYogi's first sign
 * when Delta^2 <= tau^2.
 *
 * State layout (state_size(p) = 2p + 1 doubles, all zero before round 1):
 *     state[0 .. p)    m
 *     state[p .. 2p)   v
 *     state[2p]        the number of server steps taken so far (0: m and
 *                      v are set to their initial values first)
 * The vector checkpoints as it is, so a resumed run continues exactly.
 */
#include "agg.h"

#include <math.h>

typedef enum { FEDOPT_ADAGRAD, FEDOPT_YOGI, FEDOPT_ADAM } FedoptKind;

static size_t fedopt_state_size(int p)
{
    return 2 * (size_t)(p > 0 ? p : 0) + 1;
}

/* The second moment after Delta = d (Algorithm 2, the three rules). */
static inline double fedopt_v(FedoptKind kind, double v, double d, double beta2)
{
    double d2 = d * d;
    switch (kind) {
    case FEDOPT_ADAGRAD:
        return v + d2;
    case FEDOPT_YOGI:
        return v - (1 - beta2) * d2 * (double)((v > d2) - (v < d2));
    case FEDOPT_ADAM:
        break;
    }
    return beta2 * v + (1 - beta2) * d2;
}

static int fedopt_step(FedoptKind kind, const HlAggConfig *c, const double *global,
                       const double *const *models, const double *weights, int m, int p,
                       double *state, double *out)
{
    if (m < 1)
        return -1;
    double wsum = weights ? hl_agg_sum(weights, m) : (double)m;
    if (!(wsum > 0) || !isfinite(wsum))
        return -1;

    double *mom = state, *var = state + p, *steps = state + 2 * (size_t)p;
    if (*steps == 0)
        for (int j = 0; j < p; j++) {
            mom[j] = 0;
            var[j] = c->tau * c->tau;
        }

    double delta[HL_AGG_BLOCK];
    for (int j0 = 0; j0 < p; j0 += HL_AGG_BLOCK) {
        int n = p - j0 < HL_AGG_BLOCK ? p - j0 : HL_AGG_BLOCK;
        hl_agg_mean_block(models, weights, m, wsum, global, j0, n, delta);
        for (int k = 0; k < n; k++) {
            int j = j0 + k;
            double mj = c->beta1 * mom[j] + (1 - c->beta1) * delta[k];
            double vj = fedopt_v(kind, var[j], delta[k], c->beta2);
            double den = sqrt(vj) + c->tau;
            mom[j] = mj;
            var[j] = vj;
            /* global[j] is read before out[j] (which may alias it) is written */
            out[j] = global[j] + (den > 0 ? c->server_learning_rate * mj / den : 0);
        }
    }
    *steps += 1;
    return 0;
}

static int fedadagrad_aggregate(const HlAggConfig *c, const double *global,
                                const double *const *models, const double *weights, int m, int p,
                                double *state, double *out)
{
    return fedopt_step(FEDOPT_ADAGRAD, c, global, models, weights, m, p, state, out);
}

static int fedyogi_aggregate(const HlAggConfig *c, const double *global,
                             const double *const *models, const double *weights, int m, int p,
                             double *state, double *out)
{
    return fedopt_step(FEDOPT_YOGI, c, global, models, weights, m, p, state, out);
}

static int fedadam_aggregate(const HlAggConfig *c, const double *global,
                             const double *const *models, const double *weights, int m, int p,
                             double *state, double *out)
{
    return fedopt_step(FEDOPT_ADAM, c, global, models, weights, m, p, state, out);
}

const HlAggOps hl_agg_fedadagrad = { "fedadagrad", 1, 0, fedopt_state_size, fedadagrad_aggregate };
const HlAggOps hl_agg_fedyogi = { "fedyogi", 1, 0, fedopt_state_size, fedyogi_aggregate };
const HlAggOps hl_agg_fedadam = { "fedadam", 1, 0, fedopt_state_size, fedadam_aggregate };
