/*
 * krum.c - Krum (Blanchard et al. 2017, "Machine Learning with
 * Adversaries: Byzantine Tolerant Gradient Descent", NeurIPS, Section 4):
 * with n = m node models of which at most f are Byzantine, the score of
 * model i is the sum of its squared Euclidean distances to its n - f - 2
 * nearest other models, and the next global model is a copy of the model
 * with the lowest score (single Krum, not Multi-Krum).  Ties go to the
 * lowest index.
 *
 * f is byzantine from the configuration; -1 takes the largest f the
 * paper's condition 2f + 2 < n allows, f = floor((n - 3) / 2).  When
 * n <= 2f + 2 (so also n <= 2 with the default) there are too few models
 * to tell the Byzantine ones apart: -1, nothing written.
 *
 * Unweighted: the weights are ignored, as in the paper.  The global model
 * is not read.  A distance that is NaN (a NaN or opposite infinities in a
 * model) sorts after every number, so it counts only when a model has too
 * few finite neighbours.  The n - f - 2 smallest distances are sorted
 * before they are summed, so a score depends on the set of distances and
 * not on the order of the nodes.  No server state.
 *
 * Cost: O(m^2 p) time for the distances (each pair is computed twice, so
 * memory stays one row of m doubles instead of an m x m matrix: 800 MB at
 * 10,000 nodes), plus O(m^2 log m) for the selections and sorts; -2 when
 * the row cannot be allocated.
 */
#include "agg.h"

#include <stdlib.h>
#include <string.h>

static double sqdist(const double *a, const double *b, int p)
{
    double s = 0;
    for (int j = 0; j < p; j++) {
        double d = a[j] - b[j];
        s += d * d;
    }
    return s;
}

/* The score of model i: the sum of the k smallest distances to the others. */
static double krum_score(const double *const *models, int m, int p, int i, int k, double *row)
{
    int n = 0;
    for (int j = 0; j < m; j++)
        if (j != i)
            row[n++] = sqdist(models[i], models[j], p);
    hl_agg_select(row, n, k - 1);
    hl_agg_sort(row, k);
    double s = 0;
    for (int j = 0; j < k; j++)
        s += row[j];
    return s;
}

static int krum_aggregate(const HlAggConfig *c, const double *global, const double *const *models,
                          const double *weights, int m, int p, double *state, double *out)
{
    (void)global;
    (void)weights;
    (void)state;
    long long f = c->byzantine >= 0 ? c->byzantine : ((long long)m - 3) / 2;
    if (f < 0 || m <= 2 * f + 2)
        return -1;
    int k = m - (int)f - 2;
    double *row = malloc((size_t)m * sizeof *row);
    if (!row)
        return -2;
    int best = -1;
    double best_score = 0;
    for (int i = 0; i < m; i++) {
        double s = krum_score(models, m, p, i, k, row);
        if (best < 0 || hl_agg_less(s, best_score)) {
            best = i;
            best_score = s;
        }
    }
    free(row);
    memmove(out, models[best], (size_t)p * sizeof *out);
    return 0;
}

const HlAggOps hl_agg_krum = { "krum", 0, 0, hl_agg_no_state, krum_aggregate };
