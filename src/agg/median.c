/*
 * median.c - the coordinate-wise median (Yin et al. 2018, "Byzantine-Robust
 * Distributed Learning: Towards Optimal Statistical Rates", ICML,
 * Option I): coordinate j of the next global model is the median of the m
 * node values of coordinate j; for even m, the mean of the two middle
 * values.
 *
 * Unweighted: the weights are ignored, as in the paper (a weight is a
 * claim a Byzantine node could inflate).  The global model is not read.
 * Values are ordered by hl_agg_less, so a NaN coordinate counts as the
 * largest value and is outvoted like any outlier.  No server state.
 *
 * Cost: one scratch column of m doubles per call (-2 when it cannot be
 * allocated), and a selection per coordinate: O(m p) expected,
 * O(m log m p) at worst.
 */
#include "agg.h"

#include <stdlib.h>

static int median_aggregate(const HlAggConfig *c, const double *global, const double *const *models,
                            const double *weights, int m, int p, double *state, double *out)
{
    (void)c;
    (void)global;
    (void)weights;
    (void)state;
    if (m < 1)
        return -1;
    double *col = malloc((size_t)m * sizeof *col);
    if (!col)
        return -2;
    int h = m / 2;
    for (int j = 0; j < p; j++) {
        for (int i = 0; i < m; i++)
            col[i] = models[i][j];
        hl_agg_select(col, m, h);
        if (m % 2) {
            out[j] = col[h];
        } else {
            /* the lower middle value: the largest of col[0..h) */
            double lo = col[0];
            for (int i = 1; i < h; i++)
                if (hl_agg_less(lo, col[i]))
                    lo = col[i];
            out[j] = 0.5 * lo + 0.5 * col[h];   /* (lo + hi) / 2 could overflow */
        }
    }
    free(col);
    return 0;
}

const HlAggOps hl_agg_median = { "median", 0, 0, hl_agg_no_state, median_aggregate };
