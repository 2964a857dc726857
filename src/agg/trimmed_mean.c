/*
 * trimmed_mean.c - the coordinate-wise trimmed mean (Yin et al. 2018,
 * "Byzantine-Robust Distributed Learning: Towards Optimal Statistical
 * Rates", ICML, Option II): per coordinate, drop the b smallest and the b
 * largest of the m node values and average the m - 2b that remain, with
 *
 *     b = floor(trim_fraction * m)
 *
 * (computed as floor(trim_fraction * m + 1e-9), so that 0.29 * 100, which
 * is 28.999999999999996 in binary, still drops 29).  trim_fraction is
 * meant to lie in [0, 0.5); b is clamped so that at least one value
 * remains (b <= (m - 1) / 2).
 *
 * Unweighted: the weights are ignored, as in the paper.  The global model
 * is not read.  NaN counts as the largest value (hl_agg_less), so it is
 * trimmed like any outlier.  The kept values are summed with compensated
 * summation.  No server state.
 *
 * Cost: one scratch column of m doubles per call (-2 when it cannot be
 * allocated) and two selections per coordinate: O(m p) expected.
 */
#include "agg.h"

#include <math.h>
#include <stdlib.h>

static int trim_count(double fraction, int m)
{
    double b = floor(fraction * m + 1e-9);
    if (!(b > 0))
        return 0;
    if (b > (m - 1) / 2)
        return (m - 1) / 2;
    return (int)b;
}

static int trimmed_mean_aggregate(const HlAggConfig *c, const double *global,
                                  const double *const *models, const double *weights, int m, int p,
                                  double *state, double *out)
{
    (void)global;
    (void)weights;
    (void)state;
    if (m < 1)
        return -1;
    double *col = malloc((size_t)m * sizeof *col);
    if (!col)
        return -2;
    int b = trim_count(c->trim_fraction, m), keep = m - 2 * b;
    for (int j = 0; j < p; j++) {
        for (int i = 0; i < m; i++)
            col[i] = models[i][j];
        if (b > 0) {
            /* col[0..b) are then the b smallest, col[b+keep..m) the b largest */
            hl_agg_select(col, m, b);
            hl_agg_select(col + b, m - b, keep - 1);
        }
        out[j] = hl_agg_sum(col + b, keep) / keep;
    }
    free(col);
    return 0;
}

const HlAggOps hl_agg_trimmed_mean = { "trimmed_mean", 0, 0, hl_agg_no_state, trimmed_mean_aggregate };
