/*
 * agg.c - the aggregator registry, and the arithmetic the aggregator files
 * share: compensated sums, the blocked weighted mean, selection.
 *
 * Adding an aggregator: its own file, an extern in agg.h, one line in
 * agg_table below (and its name in option_tables.c for the option check).
 */
#include "agg.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

static const HlAggOps *const agg_table[] = {
    &hl_agg_fedavg, &hl_agg_fedprox, &hl_agg_fednova,
    &hl_agg_fedadam, &hl_agg_fedyogi, &hl_agg_fedadagrad,
    &hl_agg_median, &hl_agg_trimmed_mean, &hl_agg_krum,
    NULL,
};

const HlAggOps *hl_agg_find(const char *name)
{
    for (int i = 0; name && agg_table[i]; i++)
        if (strcasecmp(agg_table[i]->name, name) == 0)
            return agg_table[i];
    return NULL;
}

size_t hl_agg_no_state(int p)
{
    (void)p;
    return 0;
}

/* Adds t to the running sum *s, carrying the rounding error in *c
 * (Neumaier 1974, the variant of Kahan's summation that also holds when a
 * term is larger than the sum).  The error of the result is then about
 * one rounding of the true sum, whatever the number of terms, where a
 * plain loop over 10,000 nodes can lose four decimal digits. */
static inline void neumaier_add(double *s, double *c, double t)
{
    double u = *s + t;
    if (fabs(*s) >= fabs(t))
        *c += (*s - u) + t;
    else
        *c += (t - u) + *s;
    *s = u;
}

/* The compensated total; an infinite sum stays infinite (its
 * compensation would be NaN). */
static inline double neumaier_total(double s, double c)
{
    return isfinite(s) ? s + c : s;
}

double hl_agg_sum(const double *a, int n)
{
    double s = 0, c = 0;
    for (int i = 0; i < n; i++)
        neumaier_add(&s, &c, a[i]);
    return neumaier_total(s, c);
}

void hl_agg_mean_block(const double *const *models, const double *weights, int m, double wsum,
                       const double *center, int j0, int n, double *dst)
{
    static const double zeros[HL_AGG_BLOCK];
    double s[HL_AGG_BLOCK] = { 0 }, c[HL_AGG_BLOCK] = { 0 };
    const double *ctr = center ? center + j0 : zeros;

    for (int i = 0; i < m; i++) {
        const double *x = models[i] + j0;
        double w = weights ? weights[i] : 1.0;
        for (int j = 0; j < n; j++)
            neumaier_add(&s[j], &c[j], w * (x[j] - ctr[j]));
    }
    for (int j = 0; j < n; j++)
        dst[j] = neumaier_total(s[j], c[j]) / wsum;
}

int hl_agg_less(double a, double b)
{
    return a < b || (isnan(b) && !isnan(a));
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return hl_agg_less(a, b) ? -1 : hl_agg_less(b, a) ? 1 : 0;
}

void hl_agg_sort(double *a, int n)
{
    if (n > 1)
        qsort(a, (size_t)n, sizeof *a, cmp_double);
}

static inline void swap_d(double *a, double *b)
{
    double t = *a;
    *a = *b;
    *b = t;
}

/* Hoare's FIND (quickselect) with a median-of-three pivot and Hoare's
 * partition, which keeps runs of equal values (identical honest models)
 * from degrading it; introselect's bound on bad pivots (Musser 1997). */
void hl_agg_select(double *a, int n, int k)
{
    int lo = 0, hi = n - 1, budget = 4;
    for (int t = n; t > 1; t >>= 1)
        budget += 2;
    while (hi > lo) {
        if (budget-- == 0) {
            hl_agg_sort(a + lo, hi - lo + 1);
            return;
        }
        int mid = lo + (hi - lo) / 2;
        if (hl_agg_less(a[mid], a[lo]))
            swap_d(&a[mid], &a[lo]);
        if (hl_agg_less(a[hi], a[mid])) {
            swap_d(&a[hi], &a[mid]);
            if (hl_agg_less(a[mid], a[lo]))
                swap_d(&a[mid], &a[lo]);
        }
        double pv = a[mid];
        int i = lo - 1, j = hi + 1;
        for (;;) {
            do
                i++;
            while (hl_agg_less(a[i], pv));
            do
                j--;
            while (hl_agg_less(pv, a[j]));
            if (i >= j)
                break;
            swap_d(&a[i], &a[j]);
        }
        /* a[lo..j] <= pv <= a[j+1..hi], and lo <= j < hi */
        if (k <= j)
            hi = j;
        else
            lo = j + 1;
    }
}
