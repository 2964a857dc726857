/*
 * fedavg.c - federated averaging: the next global model is the weighted
 * mean of the node models (McMahan et al. 2017, "Communication-Efficient
 * Learning of Deep Networks from Decentralized Data", Algorithm 1, with
 * n_k / n as the weights; the engine passes rows when
 * weighted_aggregation, else 1).
 *
 * FedProx (Li et al. 2020, "Federated Optimization in Heterogeneous
 * Networks", MLSys) changes only the local objective (the proximal
 * term mu/2 ||w - w^t||^2, added by local training); its server step is
 * this same mean, so "fedprox" is a second name for it.
 *
 * Numerics: accumulated in double, per coordinate, with Neumaier's
 * compensated summation (agg.c), divided by the compensated weight sum
 * once.  Compensated rather than pairwise summation because it streams
 * over the nodes in their order with two doubles of state per coordinate
 * (pairwise would need log2(m) partial vectors), and its error does not
 * grow with m at all: 10,000 copies of 0.1 average to exactly 0.1.
 * Coordinates go in blocks of HL_AGG_BLOCK, so nothing is allocated.
 * No server state.
 */
#include "agg.h"

#include <math.h>

static int fedavg_aggregate(const HlAggConfig *c, const double *global, const double *const *models,
                            const double *weights, int m, int p, double *state, double *out)
{
    (void)c;
    (void)global;
    (void)state;
    if (m < 1)
        return -1;
    double wsum = weights ? hl_agg_sum(weights, m) : (double)m;
    if (!(wsum > 0) || !isfinite(wsum))
        return -1;
    for (int j0 = 0; j0 < p; j0 += HL_AGG_BLOCK) {
        int n = p - j0 < HL_AGG_BLOCK ? p - j0 : HL_AGG_BLOCK;
        hl_agg_mean_block(models, weights, m, wsum, NULL, j0, n, out + j0);
    }
    return 0;
}

const HlAggOps hl_agg_fedavg = { "fedavg", 1, 0, hl_agg_no_state, fedavg_aggregate };
const HlAggOps hl_agg_fedprox = { "fedprox", 1, 0, hl_agg_no_state, fedavg_aggregate };

/*
 * FedNova (Wang, Liu, Liang, Joshi & Poor 2020, "Tackling the Objective
 * Inconsistency Problem in Heterogeneous Federated Optimization",
 * NeurIPS; Sec. 4, eq. (7)-(8), with plain local SGD: a_i = [1, ..., 1],
 * ||a_i||_1 = tau_i).  With FedAvg a node that takes tau_i local steps
 * moves about tau_i times as far, so with unequal nodes the rounds
 * minimize sum_i p_i tau_i L_i instead of sum_i p_i L_i: a node holding
 * most rows and taking most steps drags the model to its own optimum (under
 * label skew, to its majority class).  FedNova averages the normalized
 * updates d_i = Delta_i / tau_i and takes tau_eff = sum_i p_i tau_i of
 * those steps:
 *
 *     w <- w + tau_eff sum_i p_i Delta_i / tau_i
 *
 * which is FedAvg over the rescaled models w + Delta_i tau_eff / tau_i
 * with the same weights p_i: hl_agg_fednova_scale() rescales, this mean
 * does the rest.  Equal steps give FedAvg exactly.
 */
const HlAggOps hl_agg_fednova = { "fednova", 1, 1, hl_agg_no_state, fedavg_aggregate };

double hl_agg_fednova_scale(const double *global, double *const *models, const double *weights,
                            const double *steps, int m, int p)
{
    double wsum = 0, teff = 0;
    for (int i = 0; i < m; i++)
        if (steps[i] > 0) {
            double w = weights ? weights[i] : 1.0;
            wsum += w;
            teff += w * steps[i];
        }
    if (!(wsum > 0))
        return 0;
    teff /= wsum;
    for (int i = 0; i < m; i++) {
        if (!(steps[i] > 0))
            continue;       /* no step: its model is the global one */
        double f = teff / steps[i];
        for (int j = 0; j < p; j++)
            models[i][j] = global[j] + (models[i][j] - global[j]) * f;
    }
    return teff;
}
