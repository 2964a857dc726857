/*
 * rdp.c - the differential-privacy accountant.  See rdp.h.
 *
 * The quantity behind everything here is, for one step of the
 * Poisson-subsampled Gaussian (Mironov, Talwar, Zhang 2019, Sec. 3.3),
 *     A_alpha = E_{z ~ N(0, sigma^2)} [ (1 - q + q exp((2z - 1) / (2 sigma^2)))^alpha ],
 * whose log divided by alpha - 1 is the RDP at order alpha.  Everything is
 * summed in log space: the terms overflow a double long before the RDP does
 * (sigma 0.3 at order 63 gives terms near e^22000).
 */
#include <math.h>
#include <stdlib.h>

#include "dp/rdp.h"

/* Orders above this are refused: an integer order costs alpha terms. */
#define MAX_ORDER 1e5

static const double LOG_HALF = -0.69314718055994530942;
static const double LOG_PI = 1.14472988584940017414;
static const double PI = 3.14159265358979323846;
static const double SQRT2 = 1.41421356237309504880;

const char *hl_dp_strerror(int rc)
{
    switch (rc) {
    case HL_DP_OK: return "no error";
    case HL_DP_ESIGMA: return "noise multiplier must be a finite number >= 0";
    case HL_DP_ERATE: return "sample rate must be in [0, 1]";
    case HL_DP_ESTEPS: return "steps must be >= 0";
    case HL_DP_EDELTA: return "delta must be in (0, 1)";
    case HL_DP_EEPSILON: return "target epsilon must be a finite number > 0";
    case HL_DP_EORDERS: return "RDP orders must be numbers > 1 and at most 1e5";
    case HL_DP_ERDP: return "RDP values must be numbers >= 0";
    case HL_DP_EUNREACHABLE: return "no noise multiplier reaches the target epsilon";
    case HL_DP_ENOMEM: return "out of memory";
    }
    return "unknown error";
}

void hl_rdp_default_orders(double *orders)
{
    int k = 0;
    for (int x = 1; x < 100; x++)
        orders[k++] = 1.0 + x / 10.0;       /* as Opacus computes them */
    for (int a = 12; a < 64; a++)
        orders[k++] = a;
}

/* ---- log-space arithmetic --------------------------------------------------- */

/* log(e^a + e^b) */
static double log_add(double a, double b)
{
    double hi = a > b ? a : b, lo = a > b ? b : a;
    if (lo == -INFINITY || hi == INFINITY)
        return hi;
    return hi + log1p(exp(lo - hi));
}

/* log(e^x - 1) for x >= 0 (-inf at 0) */
static double log_expm1(double x)
{
    return x > 40 ? x + log1p(-exp(-x)) : log(expm1(x));
}

/* log(erfc(x)), accurate where erfc underflows: past x = 26 the asymptotic
 * series erfc(x) = e^-x^2 / (x sqrt(pi)) * sum_k (-1)^k (2k-1)!! / (2x^2)^k,
 * whose 8th term is below 1e-22 there. */
static double log_erfc(double x)
{
    if (x < 26)
        return log(erfc(x));
    double r = 1 / (2 * x * x), t = 1, s = 1;
    for (int k = 1; k <= 8; k++) {
        t *= -(2 * k - 1) * r;
        s += t;
    }
    return -x * x - log(x) - 0.5 * LOG_PI + log(s);
}

/* log(erfc(x) / 2) = log P(N(0, 1/2) > x), with full relative precision
 * also where it is near 0 (x very negative) */
static double log_half_erfc(double x)
{
    if (x < 0)
        return log1p(-0.5 * erfc(-x));
    return LOG_HALF + log_erfc(x);
}

/* lgamma without the global signgam, so that threads may account at once. */
static double lgam(double x)
{
    int sign;
    return lgamma_r(x, &sign);
}

/* log(e^a - e^b) for b <= a (NaN when b > a: a sum that turned negative) */
static double log_sub(double a, double b)
{
    if (b == -INFINITY)
        return a;
    if (b > a)
        return NAN;
    return a + log1p(-exp(b - a));
}

/* Adds the term +-e^t to the positive sum e^l, in log space: a sum near 1
 * keeps the relative precision of its log (which is what the RDP is), where
 * a sum kept as a double near 1 would keep only 1e-16 of it. */
static double log_acc(double l, double t, int negative)
{
    return negative ? log_sub(l, t) : log_add(l, t);
}

/* ---- the sampled Gaussian ----------------------------------------------------- */

/* log A_alpha for an integer alpha >= 2 and 0 < q < 1, by the binomial
 * expansion (Mironov et al. 2019, Sec. 3.3):
 *     A_alpha = sum_i C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2 - i) / (2 sigma^2)).
 * The weights sum to 1 and the exponentials are >= 1, so
 *     A_alpha - 1 = sum_{i>=2} C(alpha, i) q^i (1-q)^(alpha-i) expm1((i^2 - i) / (2 sigma^2)),
 * a sum of positive terms: log A = log1p(A - 1) keeps full relative
 * precision even when A - 1 is 1e-20 (tiny q), where log of the plain sum
 * would keep none. */
static double log_a_int(double q, double sigma, double alpha)
{
    double lq = log(q), l1q = log1p(-q), two_s2 = 2 * sigma * sigma;
    double lga = lgam(alpha + 1);
    double lam1 = -INFINITY;        /* log(A - 1) */
    for (double i = 2; i <= alpha; i++) {
        double lc = lga - lgam(i + 1) - lgam(alpha - i + 1);
        double t = lc + i * lq + (alpha - i) * l1q + log_expm1((i * i - i) / two_s2);
        lam1 = log_add(lam1, t);
    }
    return lam1 > 0 ? lam1 + log1p(exp(-lam1)) : log1p(exp(lam1));
}

/* The fractional-order series of log_a_frac(): what every term needs. */
typedef struct FracSeries {
    double alpha, fl;           /* the order and its floor */
    double lq, l1q;             /* log q, log(1 - q) */
    double two_s2, rt, z0;      /* 2 sigma^2, sqrt(2) sigma, the split point */
    double lga, lsin;           /* lgamma(alpha + 1), log |sin(pi alpha)| */
} FracSeries;

/* C(alpha, i) > 0 up to i = floor(alpha) + 1, then alternates in sign. */
static int frac_negative(const FracSeries *s, double i)
{
    return i > s->fl + 1 && fmod(i - s->fl - 1, 2) == 1;
}

/* log |C(alpha, i)|.  Past i = floor(alpha) + 1, Gamma(alpha - i + 1) has a
 * negative argument; the reflection formula
 * |Gamma(alpha - i + 1)| = pi / (|sin(pi alpha)| Gamma(i - alpha)) keeps
 * every lgamma argument positive. */
static double frac_log_binom(const FracSeries *s, double i)
{
    /* The first terms nearly cancel when q is small (1 - alpha q + alpha q
     * + ...): their coefficients are better exact than lgamma's ~1e-15. */
    if (i == 0)
        return 0;
    if (i == 1)
        return log(s->alpha);
    if (i <= s->fl + 1)
        return s->lga - lgam(i + 1) - lgam(s->alpha - i + 1);
    return s->lga - lgam(i + 1) + lgam(i - s->alpha) + s->lsin - LOG_PI;
}

/* log |term i| of the series, and the logs of its two halves (the parts of
 * the integral below and above z0) in *ls0 and *ls1. */
static double frac_term(const FracSeries *s, double i, double *ls0, double *ls1)
{
    double j = s->alpha - i, lc = frac_log_binom(s, i);
    *ls0 = lc + i * s->lq + j * s->l1q + (i * i - i) / s->two_s2
           + log_half_erfc((i - s->z0) / s->rt);
    *ls1 = lc + j * s->lq + i * s->l1q + (j * j - j) / s->two_s2
           + log_half_erfc((s->z0 - j) / s->rt);
    return log_add(*ls0, *ls1);
}

/* sum_{k>=0} (-1)^k b[k] from b[0..n): Cohen, Rodriguez Villegas, Zagier
 * 2000, "Convergence acceleration of alternating series", Algorithm 1.
 * The error is below 2 / 5.8^n of the sum when b is totally monotone
 * (b[k] = integral of x^k over a positive measure on [0, 1], as k^-p and
 * r^k are); the weights c/d stay in [0, 1], so rounding does not grow. */
static double cvz_sum(const double *b, int n)
{
    double d = pow(3 + sqrt(8), n);
    d = (d + 1 / d) / 2;
    double bb = -1, c = -d, s = 0;
    for (int k = 0; k < n; k++) {
        c = bb - c;
        s += c * b[k];
        bb = (k + n) * (double)(k - n) * bb / ((k + 0.5) * (k + 1));
    }
    return s / d;
}

#define TAIL_N 24

/* Tries to finish the series: head is the log of the sum of the terms
 * before i0, where the terms already alternate and shrink, and mag the log
 * of the sum of their magnitudes.  The tail from i0 is extrapolated from
 * TAIL_N terms and accepted when the extrapolations from TAIL_N and from
 * 2/3 of them agree to within a relative 1e-12 of log A, or to within the
 * rounding of the sum (1e-15 of mag: asking more of a sum whose terms
 * cancel is asking for noise); the disagreement is then added, so that the
 * result errs high.  1 and *la when accepted. */
static int frac_tail(const FracSeries *s, double head, double mag, double i0, double *la)
{
    double lb[TAIL_N], b[TAIL_N], x, y;
    for (int k = 0; k < TAIL_N; k++) {
        lb[k] = frac_term(s, i0 + k, &x, &y);
        if (isnan(lb[k]))
            return 0;
        b[k] = exp(lb[k] - lb[0]);
    }
    double t = cvz_sum(b, TAIL_N), t_short = cvz_sum(b, 2 * TAIL_N / 3);
    if (!(t > 0))
        return 0;
    double l = log_acc(head, lb[0] + log(t), frac_negative(s, i0));
    double lerr = lb[0] + log(fabs(t - t_short));
    /* an error e in A is an error e / A in log A */
    double ltol = l > 0 ? l + log(1e-12 * l) : -INFINITY;
    if (ltol < mag + log(1e-15))
        ltol = mag + log(1e-15);
    if (!(l < INFINITY) || lerr > ltol)
        return 0;
    *la = log_add(l, lerr);
    return 1;
}

/* log A_alpha for a fractional alpha > 1 and 0 < q < 1, by the two-sided
 * series of Mironov et al. 2019, Sec. 3.3 (as Opacus'
 * _compute_log_a_for_frac_alpha): the integral is split at
 * z0 = sigma^2 log(1/q - 1) + 1/2, where the two parts of the mixture are
 * equal, and (a + b)^alpha expanded in the smaller over the larger on
 * each side.  The signs of C(alpha, i) are kept: summing absolute values
 * over-estimates A, as dp_accounting has done since 2024.
 *
 * Once the terms alternate and both halves shrink, the tail is summed by
 * frac_tail(): the terms decay only like i^-(alpha + 2) when q is near 1/2
 * (sigma 20: a million terms for 1e-12), which the acceleration turns into
 * a few dozen.  Returns +inf when that has not worked after
 * HL_RDP_MAX_TERMS terms. */
static double log_a_frac(double q, double sigma, double alpha)
{
    FracSeries s;
    s.alpha = alpha;
    s.fl = floor(alpha);
    s.lq = log(q);
    s.l1q = log1p(-q);
    s.two_s2 = 2 * sigma * sigma;
    s.rt = SQRT2 * sigma;
    s.z0 = sigma * sigma * (s.l1q - s.lq) + 0.5;
    s.lga = lgam(alpha + 1);
    double f = alpha - s.fl;
    s.lsin = log(sin(PI * (f < 0.5 ? f : 1 - f)));

    double prev0 = INFINITY, prev1 = INFINITY, la, ls0, ls1;
    double head = -INFINITY, mag = -INFINITY;
    long tries = 0;
    for (long n = 0; n < HL_RDP_MAX_TERMS; n++) {
        double i = (double)n, ls = frac_term(&s, i, &ls0, &ls1);
        if (isnan(ls))
            return INFINITY;
        /* A half far below the sum counts as shrinking: tiny sigma puts
         * its terms near -1e17, where the steps are below the rounding. */
        int shrinking = i > s.fl + 1 && (ls0 < prev0 || ls0 < mag - 70)
                        && (ls1 < prev1 || ls1 < mag - 70);
        /* A failed try is retried every TAIL_N / 3 terms, not every term. */
        if (shrinking && tries++ % (TAIL_N / 3) == 0 && frac_tail(&s, head, mag, i, &la))
            return la;
        head = log_acc(head, ls, frac_negative(&s, i));
        mag = log_add(mag, ls);
        if (isnan(head))
            return INFINITY;
        prev0 = ls0;
        prev1 = ls1;
    }
    return INFINITY;
}

static int check_rate(double q)
{
    return q >= 0 && q <= 1 ? HL_DP_OK : HL_DP_ERATE;      /* false for NaN */
}

static int check_sigma(double sigma)
{
    return sigma >= 0 && sigma < INFINITY ? HL_DP_OK : HL_DP_ESIGMA;
}

static int check_delta(double delta)
{
    return delta > 0 && delta < 1 ? HL_DP_OK : HL_DP_EDELTA;
}

static int check_orders(const double *orders, int n)
{
    if (!orders || n < 1)
        return HL_DP_EORDERS;
    for (int k = 0; k < n; k++)
        if (!(orders[k] > 1 && orders[k] <= MAX_ORDER))
            return HL_DP_EORDERS;
    return HL_DP_OK;
}

/* The RDP of one step, arguments checked. */
static double rdp_one(double q, double sigma, double alpha)
{
    if (q == 0)
        return 0;
    /* Below this, 2 sigma^2 is not a normal double: no privacy to speak of. */
    if (sigma < 1e-150)
        return INFINITY;
    if (q == 1)
        return alpha / (2 * sigma * sigma);    /* Mironov 2017, Prop. 7 */
    double la = alpha == floor(alpha) ? log_a_int(q, sigma, alpha) : log_a_frac(q, sigma, alpha);
    double r = la / (alpha - 1);
    if (isnan(r))
        return INFINITY;        /* never less than the truth */
    return r > 0 ? r : 0;       /* a Rényi divergence is >= 0; below is rounding */
}

int hl_rdp_step(double q, double sigma, double alpha, double *out)
{
    int rc;
    if ((rc = check_rate(q)) || (rc = check_sigma(sigma)) || (rc = check_orders(&alpha, 1)))
        return rc;
    *out = rdp_one(q, sigma, alpha);
    return HL_DP_OK;
}

int hl_rdp_add(double *rdp, const double *orders, int n, double q, double sigma, long steps)
{
    int rc;
    if ((rc = check_orders(orders, n)) || (rc = check_rate(q)) || (rc = check_sigma(sigma)))
        return rc;
    if (steps < 0)
        return HL_DP_ESTEPS;
    if (steps == 0 || q == 0)
        return HL_DP_OK;
    for (int k = 0; k < n; k++)
        rdp[k] += (double)steps * rdp_one(q, sigma, orders[k]);
    return HL_DP_OK;
}

/* ---- conversion to (epsilon, delta) ------------------------------------------ */

int hl_rdp_to_epsilon(const double *orders, const double *rdp, int n, double delta, double *eps,
                      double *order)
{
    int rc;
    if ((rc = check_orders(orders, n)) || (rc = check_delta(delta)))
        return rc;
    for (int k = 0; k < n; k++)
        if (!(rdp[k] >= 0))
            return HL_DP_ERDP;
    double best = INFINITY, best_order = NAN, ld = log(delta);
    for (int k = 0; k < n; k++) {
        double a = orders[k], r = rdp[k], e;
        if (r == INFINITY)
            continue;
        if (delta * delta + expm1(-r) > 0)
            e = 0;          /* delta >= sqrt(1 - e^-KL) >= total variation */
        else
            e = r + log1p(-1 / a) - (ld + log(a)) / (a - 1);    /* Balle et al. 2020, Thm. 21 */
        if (e < best) {
            best = e;
            best_order = a;
        }
    }
    *eps = best > 0 ? best : 0;
    if (order)
        *order = best_order;
    return HL_DP_OK;
}

/* ---- the Gaussian mechanism end to end ---------------------------------------- */

/* eps of (sigma, q, steps) on orders[0..n), arguments checked; rdp is
 * scratch space of n doubles. */
static void gaussian_eps(double sigma, double q, long steps, double delta, const double *orders,
                         int n, double *rdp, double *eps, double *order)
{
    for (int k = 0; k < n; k++)
        rdp[k] = 0;
    hl_rdp_add(rdp, orders, n, q, sigma, steps);
    hl_rdp_to_epsilon(orders, rdp, n, delta, eps, order);
}

/* Checks the arguments shared by the Gaussian entry points, and points
 * *ord at the orders to use (def: HL_RDP_NORDERS doubles for the default
 * grid) and *rdp at scratch space (*heap to free when not NULL). */
static int gaussian_setup(double q, long steps, double delta, const double *orders, int *n,
                          double *def, double *def_rdp, const double **ord, double **rdp,
                          double **heap)
{
    int rc;
    *heap = NULL;
    if ((rc = check_rate(q)))
        return rc;
    if (steps < 0)
        return HL_DP_ESTEPS;
    if ((rc = check_delta(delta)))
        return rc;
    if (!orders) {
        hl_rdp_default_orders(def);
        *ord = def;
        *n = HL_RDP_NORDERS;
        *rdp = def_rdp;
        return HL_DP_OK;
    }
    if ((rc = check_orders(orders, *n)))
        return rc;
    *ord = orders;
    if (*n <= HL_RDP_NORDERS) {
        *rdp = def_rdp;
        return HL_DP_OK;
    }
    *heap = *rdp = malloc((size_t)*n * sizeof **rdp);
    return *rdp ? HL_DP_OK : HL_DP_ENOMEM;
}

int hl_dp_gaussian_epsilon(double sigma, double q, long steps, double delta,
                           const double *orders, int n, double *eps, double *order)
{
    double def[HL_RDP_NORDERS], def_rdp[HL_RDP_NORDERS], *rdp, *heap;
    const double *ord;
    int rc = check_sigma(sigma);
    if (rc || (rc = gaussian_setup(q, steps, delta, orders, &n, def, def_rdp, &ord, &rdp, &heap)))
        return rc;
    gaussian_eps(sigma, q, steps, delta, ord, n, rdp, eps, order);
    free(heap);
    return HL_DP_OK;
}

double hl_dp_epsilon(double sigma, double q, long steps, double delta)
{
    double eps;
    return hl_dp_gaussian_epsilon(sigma, q, steps, delta, NULL, 0, &eps, NULL) == HL_DP_OK ? eps
                                                                                          : NAN;
}

int hl_dp_noise_multiplier(double target_eps, double delta, double q, long steps,
                           const double *orders, int n, double *sigma)
{
    double def[HL_RDP_NORDERS], def_rdp[HL_RDP_NORDERS], *rdp, *heap;
    const double *ord;
    int rc;
    if (!(target_eps > 0 && target_eps < INFINITY))
        return HL_DP_EEPSILON;
    if ((rc = gaussian_setup(q, steps, delta, orders, &n, def, def_rdp, &ord, &rdp, &heap)))
        return rc;
    if (q == 0 || steps == 0) {
        free(heap);
        *sigma = 0;
        return HL_DP_OK;
    }
#define EPS_AT(s) (gaussian_eps((s), q, steps, delta, ord, n, rdp, &e, NULL), e)
    /* Bracket: eps(lo) > target >= eps(hi).  eps does not increase with
     * sigma, and is +inf at 0. */
    double lo = 1, hi = 1, e;
    if (EPS_AT(1.0) <= target_eps) {
        do {
            hi = lo;
            lo /= 2;
        } while (EPS_AT(lo) <= target_eps);
    } else {
        while (EPS_AT(hi) > target_eps) {
            lo = hi;
            if (hi >= HL_DP_SIGMA_MAX) {
                free(heap);
                return HL_DP_EUNREACHABLE;
            }
            hi = 2 * hi < HL_DP_SIGMA_MAX ? 2 * hi : HL_DP_SIGMA_MAX;
        }
    }
    /* Bisection on a log scale: the tolerance is relative. */
    while (hi - lo > HL_DP_SIGMA_RTOL * hi) {
        double mid = sqrt(lo * hi);
        if (!(mid > lo && mid < hi))
            break;
        if (EPS_AT(mid) <= target_eps)
            hi = mid;
        else
            lo = mid;
    }
#undef EPS_AT
    free(heap);
    *sigma = hi;
    return HL_DP_OK;
}

/* ---- the Laplace mechanism ------------------------------------------------------ */

/* log(1 + q (e^eps0 - 1)), the amplified cost of one step (rdp.h) */
static double laplace_step(double q, double eps0)
{
    if (eps0 < 700)
        return log1p(q * expm1(eps0));
    return log_add(log1p(-q), log(q) + eps0);   /* log((1 - q) + q e^eps0) */
}

int hl_dp_laplace_epsilon(double noise_multiplier, double q, long steps, double *eps)
{
    int rc;
    if ((rc = check_sigma(noise_multiplier)) || (rc = check_rate(q)))
        return rc;
    if (steps < 0)
        return HL_DP_ESTEPS;
    if (q == 0 || steps == 0)
        *eps = 0;
    else if (noise_multiplier == 0)
        *eps = INFINITY;
    else
        *eps = (double)steps * laplace_step(q, 1 / noise_multiplier);
    return HL_DP_OK;
}

int hl_dp_laplace_noise_multiplier(double target_eps, double q, long steps,
                                   double *noise_multiplier)
{
    int rc;
    if (!(target_eps > 0 && target_eps < INFINITY))
        return HL_DP_EEPSILON;
    if ((rc = check_rate(q)))
        return rc;
    if (steps < 0)
        return HL_DP_ESTEPS;
    if (q == 0 || steps == 0) {
        *noise_multiplier = 0;
        return HL_DP_OK;
    }
    /* e^eps0 = 1 + (e^per - 1) / q, solved in log space */
    double per = target_eps / (double)steps;
    double eps0 = log_add(0, log_expm1(per) - log(q));
    double nm = 1 / eps0, e;
    if (!(nm < INFINITY))
        return HL_DP_EUNREACHABLE;      /* target_eps / steps underflowed */
    /* Rounding may leave the exact inverse a few ulps short of the target. */
    for (int k = 0; k < 1000 && hl_dp_laplace_epsilon(nm, q, steps, &e) == HL_DP_OK
                    && e > target_eps; k++)
        nm += nm * 0x1p-50;
    *noise_multiplier = nm;
    return HL_DP_OK;
}
