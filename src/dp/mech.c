/*
 * mech.c - see mech.h: clipping, noise, noise shares and adaptive
 * clipping.
 */
#include "mech.h"

#include <math.h>

/* ---- norms and clipping ------------------------------------------------ */

/* The largest |v_j|, or NaN when an entry is NaN. */
static double max_abs(const double *v, int p)
{
    double a = 0.0;
    for (int j = 0; j < p; j++) {
        if (isnan(v[j]))
            return NAN;
        if (fabs(v[j]) > a)
            a = fabs(v[j]);
    }
    return a;
}

/* The plain sum of squares; when it overflows and every entry is finite,
 * the norm is computed again on v / max|v_j| (each term <= 1), as BLAS's
 * dnrm2 does, so that it is infinite only when the norm itself is.
 * *scale gets the divisor used (1 on the plain path). */
static double norm_l2_scaled(const double *v, int p, double *scale)
{
    double s = 0.0;
    *scale = 1.0;
    for (int j = 0; j < p; j++)
        s += v[j] * v[j];
    if (isfinite(s))
        return sqrt(s);
    double a = max_abs(v, p);
    if (!isfinite(a))
        return a;       /* NaN, or an infinite entry */
    s = 0.0;
    for (int j = 0; j < p; j++)
        s += (v[j] / a) * (v[j] / a);
    *scale = a;
    return sqrt(s);
}

static double norm_l1_scaled(const double *v, int p, double *scale)
{
    double s = 0.0;
    *scale = 1.0;
    for (int j = 0; j < p; j++)
        s += fabs(v[j]);
    if (isfinite(s))
        return s;
    double a = max_abs(v, p);
    if (!isfinite(a))
        return a;
    s = 0.0;
    for (int j = 0; j < p; j++)
        s += fabs(v[j]) / a;
    *scale = a;
    return s;
}

double hl_dp_norm_l2(const double *v, int p)
{
    double scale, r = norm_l2_scaled(v, p, &scale);
    return scale * r;
}

double hl_dp_norm_l1(const double *v, int p)
{
    double scale, r = norm_l1_scaled(v, p, &scale);
    return scale * r;
}

/* v <- v C / (scale r), where scale r is v's norm; zeros when the norm is
 * not finite (a NaN or infinite entry) or C <= 0. */
static void rescale(double *v, int p, double C, double scale, double r)
{
    if (!isfinite(r) || !(C > 0.0)) {
        for (int j = 0; j < p; j++)
            v[j] = 0.0;
        return;
    }
    const double f = C / r;
    if (scale == 1.0)
        for (int j = 0; j < p; j++)
            v[j] *= f;
    else
        for (int j = 0; j < p; j++)
            v[j] = v[j] / scale * f;
}

double hl_dp_clip_l2(double *v, int p, double C)
{
    double scale, r = norm_l2_scaled(v, p, &scale), norm = scale * r;
    if (norm <= C)
        return norm;
    rescale(v, p, C, scale, r);
    return norm;
}

double hl_dp_clip_l1(double *v, int p, double C)
{
    double scale, r = norm_l1_scaled(v, p, &scale), norm = scale * r;
    if (norm <= C)
        return norm;
    rescale(v, p, C, scale, r);
    return norm;
}

double hl_dp_clip(HlDpMechanism mech, double *v, int p, double C)
{
    switch (mech) {
    case HL_DP_GAUSSIAN:
        return hl_dp_clip_l2(v, p, C);
    case HL_DP_LAPLACE:
        return hl_dp_clip_l1(v, p, C);
    default:
        return hl_dp_norm_l2(v, p);
    }
}

/* ---- noise ------------------------------------------------------------ */

/* A standard exponential by inversion, -log(1 - U) with U in [0, 1): the
 * argument is in (0, 1], so the draw is finite (at most 53 ln 2). */
static double exponential(HlRng *r)
{
    return -log1p(-hl_rng_uniform(r));
}

double hl_dp_laplace(HlRng *r, double scale)
{
    double e1 = exponential(r);
    return scale * (e1 - exponential(r));
}

void hl_dp_add_gaussian(double *v, int p, double stddev, HlRng *r)
{
    for (int j = 0; j < p; j++)
        v[j] += stddev * hl_rng_normal(r);
}

void hl_dp_add_laplace(double *v, int p, double scale, HlRng *r)
{
    for (int j = 0; j < p; j++)
        v[j] += hl_dp_laplace(r, scale);
}

void hl_dp_add_noise(HlDpMechanism mech, double *v, int p, double scale, HlRng *r)
{
    if (mech == HL_DP_GAUSSIAN)
        hl_dp_add_gaussian(v, p, scale, r);
    else if (mech == HL_DP_LAPLACE)
        hl_dp_add_laplace(v, p, scale, r);
}

void hl_dp_add_noise_share(HlDpMechanism mech, double *v, int p, double scale,
                           int min_survivors, HlRng *r)
{
    if (min_survivors <= 1) {
        hl_dp_add_noise(mech, v, p, scale, r);
        return;
    }
    const double t = (double)min_survivors;
    if (mech == HL_DP_GAUSSIAN) {
        hl_dp_add_gaussian(v, p, scale / sqrt(t), r);
    } else if (mech == HL_DP_LAPLACE) {
        for (int j = 0; j < p; j++) {
            double g1 = hl_rng_gamma(r, 1.0 / t);
            v[j] += scale * (g1 - hl_rng_gamma(r, 1.0 / t));
        }
    }
}

/* ---- adaptive clipping ----------------------------------------------------- */

void hl_dp_adaptive_init(HlDpAdaptiveClip *a, double clip, double expected_nodes)
{
    a->clip = clip;
    a->target = HL_DP_ADAPTIVE_TARGET;
    a->lr = HL_DP_ADAPTIVE_LR;
    a->count_stddev = HL_DP_ADAPTIVE_COUNT_STDDEV_PER_NODE * expected_nodes;
    a->expected = expected_nodes;
}

double hl_dp_adaptive_report(double norm, double clip)
{
    return norm <= clip ? 0.5 : -0.5;
}

/* TF-Privacy's QuantileEstimatorQuery: the centered sum, noised, averaged
 * over the expected count, shifted back by 1/2 and clamped to [0, 1]
 * (post-processing, so the clamp costs no privacy). */
double hl_dp_adaptive_fraction(const HlDpAdaptiveClip *a, double report_sum, HlRng *r)
{
    if (!(a->expected > 0.0))
        return a->target;
    double s = report_sum;
    if (r)
        s += a->count_stddev * hl_rng_normal(r);
    double f = s / a->expected + 0.5;
    return f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
}

double hl_dp_adaptive_step(HlDpAdaptiveClip *a, double fraction)
{
    a->clip *= exp(-a->lr * (fraction - a->target));
    return a->clip;
}

double hl_dp_adaptive_update(HlDpAdaptiveClip *a, double report_sum, HlRng *r)
{
    return hl_dp_adaptive_step(a, hl_dp_adaptive_fraction(a, report_sum, r));
}

int hl_dp_adaptive_multiplier(double z, double count_stddev, double *z_delta)
{
    if (!(z > 0.0)) {
        *z_delta = 0.0;
        return 0;
    }
    const double zb = 2.0 * count_stddev;
    if (!(zb > z))
        return -1;
    *z_delta = 1.0 / sqrt(1.0 / (z * z) - 1.0 / (zb * zb));
    return 0;
}

double hl_dp_adaptive_overall_multiplier(double z_delta, double count_stddev)
{
    if (!(z_delta > 0.0) || !(count_stddev > 0.0))
        return 0.0;
    const double zb = 2.0 * count_stddev;
    return 1.0 / sqrt(1.0 / (z_delta * z_delta) + 1.0 / (zb * zb));
}
