/*
 * rdp.h - the differential-privacy accountant: Rényi DP of the
 * Poisson-subsampled Gaussian mechanism, its conversion to (epsilon, delta),
 * noise calibration, and the pure-epsilon Laplace mechanism.
 *
 * What it promises
 *  - RDP of one step of the Sampled Gaussian Mechanism (Mironov, Talwar,
 *    Zhang 2019, "Rényi Differential Privacy of the Sampled Gaussian
 *    Mechanism", Sec. 3.3): Poisson sampling with rate q, L2 sensitivity 1
 *    (the clipping threshold), Gaussian noise of standard deviation sigma
 *    (the noise multiplier), under add-or-remove-one adjacency.  Integer
 *    orders by the binomial expansion, fractional orders by the signed
 *    two-sided series, both in log space.  q = 1 is the plain Gaussian,
 *    alpha / (2 sigma^2) (Mironov 2017, Prop. 7); q = 0 costs 0; sigma = 0
 *    costs +inf.  The values agree with Opacus and TF-Privacy (see
 *    tests/unit/test_rdp.c), not with Google's dp_accounting after 2024 at
 *    fractional orders, which sums the series' absolute values there and so
 *    over-estimates.
 *  - Accuracy: integer orders to about 1e-13 relative, the rounding of
 *    lgamma (every term of A_alpha - 1 is positive: nothing cancels).
 *    Fractional orders: the alternating tail of the series is summed with
 *    the acceleration of Cohen, Rodriguez Villegas and Zagier 2000 to 1e-12
 *    of log A (or to the rounding of the sum), its error estimate added so
 *    that it errs high.  Against 40-digit quadrature (mpmath, offline; the
 *    unit test keeps five of the cases) on 229 cases, q 1e-7 to 0.99,
 *    sigma 0.1 to 100, orders 1.01 to 256.1: within 3e-10 relative where
 *    the RDP of a step is 1e-9 or more; below that the first terms of the
 *    series cancel (1 - alpha q + alpha q ...) and the error is under 1e-18
 *    per step, absolute.  A series that has not settled after
 *    HL_RDP_MAX_TERMS terms gives +inf for its order, which then drops out
 *    of the minimum (conservative).
 *  - Composition: RDP vectors add (Mironov 2017, Prop. 1), so steps with
 *    different q and sigma, and other Gaussian mechanisms (the clipped-count
 *    estimate of adaptive clipping), accumulate into one vector with
 *    hl_rdp_add().
 *  - Conversion to (epsilon, delta): Balle et al. 2020, "Hypothesis testing
 *    interpretations and Renyi differential privacy", Thm. 21, minimized
 *    over the orders, as Opacus' get_privacy_spent().
 *
 * What it does not do: sampling without replacement, other neighbouring
 * relations, PLD or GDP accounting; it keeps no state (the caller owns the
 * RDP vector and the ledger).
 *
 * Every function validates its arguments (NaN, negative, q > 1, delta
 * outside (0, 1), steps < 0, orders not > 1) and returns HL_DP_OK or a
 * negative HL_DP_E* code, leaving its outputs untouched on error.  The
 * functions are reentrant (no global state; lgamma_r, not lgamma).
 */
#ifndef HL_DP_RDP_H
#define HL_DP_RDP_H

/* Return codes. */
#define HL_DP_OK            0
#define HL_DP_ESIGMA      (-1)  /* noise multiplier NaN, infinite or negative */
#define HL_DP_ERATE       (-2)  /* sample rate NaN or outside [0, 1] */
#define HL_DP_ESTEPS      (-3)  /* steps negative */
#define HL_DP_EDELTA      (-4)  /* delta NaN or outside (0, 1) */
#define HL_DP_EEPSILON    (-5)  /* target epsilon NaN, infinite, or not > 0 */
#define HL_DP_EORDERS     (-6)  /* no orders, or an order not > 1 and <= 1e5 */
#define HL_DP_ERDP        (-7)  /* an RDP value NaN or negative */
#define HL_DP_EUNREACHABLE (-8) /* calibration: no noise multiplier up to
                                   HL_DP_SIGMA_MAX reaches the target */
#define HL_DP_ENOMEM      (-9)  /* more orders than fit on the stack, and no memory */

/* A short English description of a return code ("sample rate must be in
 * [0, 1]"); static storage. */
const char *hl_dp_strerror(int rc);

/* The default order grid, Opacus' RDPAccountant.DEFAULT_ALPHAS: 1.1 to 10.9
 * by 0.1 (as 1 + k/10.0), then the integers 12 to 63. */
#define HL_RDP_NORDERS 151
/* Fills orders[0..HL_RDP_NORDERS) with the default grid. */
void hl_rdp_default_orders(double *orders);

/* Terms of the fractional-order series after which an order gives +inf. */
#define HL_RDP_MAX_TERMS 1000000

/* *out = the RDP at order alpha (> 1, at most 1e5) of one step of the
 * Poisson-subsampled Gaussian with rate q in [0, 1] and noise multiplier
 * sigma >= 0.  May be +inf (sigma below 1e-150 counts as 0). */
int hl_rdp_step(double q, double sigma, double alpha, double *out);

/* rdp[k] += steps * hl_rdp_step(q, sigma, orders[k]) for k < n.  Nothing is
 * added when steps or q is 0.  On error, rdp is untouched. */
int hl_rdp_add(double *rdp, const double *orders, int n, double q, double sigma, long steps);

/* The (epsilon, delta)-DP guarantee implied by the RDP curve rdp[k] at
 * orders[k] (Balle et al. 2020, Thm. 21):
 *     eps(alpha) = rdp + log((alpha - 1) / alpha) - (log delta + log alpha) / (alpha - 1)
 * minimized over the orders; *eps the minimum (clamped at 0; +inf when every
 * order is +inf) and *order its order (the first one on ties; NAN when
 * epsilon is +inf).  An order whose RDP r satisfies delta >= sqrt(1 - e^-r)
 * gives 0: the total variation is at most sqrt(1 - e^-KL) (Bretagnolle and
 * Huber 1979) and KL <= r, as in dp_accounting's compute_epsilon().
 * order may be NULL. */
int hl_rdp_to_epsilon(const double *orders, const double *rdp, int n, double delta, double *eps,
                      double *order);

/* Epsilon of `steps` steps of the Poisson-subsampled Gaussian at delta, on
 * orders[0..n) (orders NULL: the default grid), and the best order (order
 * may be NULL). */
int hl_dp_gaussian_epsilon(double sigma, double q, long steps, double delta,
                           const double *orders, int n, double *eps, double *order);

/* The same on the default grid; NAN on a bad argument. */
double hl_dp_epsilon(double sigma, double q, long steps, double delta);

/* Calibration: *sigma = the smallest noise multiplier whose epsilon at delta
 * after `steps` steps at rate q (on orders, NULL: the default grid) is at
 * most target_eps.  Found by doubling or halving from 1 to a bracket, then
 * bisection on a log scale until hi - lo <= HL_DP_SIGMA_RTOL * hi, where
 * eps(lo) > target_eps >= eps(hi); *sigma = hi.  So, as computed by
 * hl_dp_gaussian_epsilon():
 *     eps(*sigma) <= target_eps  and  eps(*sigma * (1 - HL_DP_SIGMA_RTOL)) > target_eps
 * (epsilon does not increase with sigma), i.e. *sigma exceeds the exact
 * smallest noise multiplier by at most a relative HL_DP_SIGMA_RTOL.  The
 * second half can fail only where the computed epsilon is not monotone,
 * in the rounding of RDP values near delta^2 (sigma ~1e5 and beyond).
 * About 40 evaluations of epsilon: a few ms to 50 ms.
 * *sigma = 0 when q or steps is 0 (nothing to hide).  HL_DP_EUNREACHABLE
 * when even HL_DP_SIGMA_MAX does not reach the target: with the default
 * grid and delta = 1e-5, epsilon tends to about 0.103 as sigma grows,
 * until the RDP falls below delta^2. */
#define HL_DP_SIGMA_RTOL 1e-10
#define HL_DP_SIGMA_MAX 1e6
int hl_dp_noise_multiplier(double target_eps, double delta, double q, long steps,
                           const double *orders, int n, double *sigma);

/*
 * The Laplace mechanism (noise_mechanism = 'laplacian'): L1 sensitivity C
 * (the clipping threshold) and noise scale b = noise_multiplier * C, so a
 * step is eps0 = 1 / noise_multiplier pure DP (the Laplace mechanism,
 * Dwork and Roth 2014, Thm. 3.6).  Poisson sampling with rate q amplifies
 * it to log(1 + q (e^eps0 - 1)) (Li, Qardaji, Su 2012, Thm. 1; Balle,
 * Barthe, Gaboardi 2018, Thm. 8, with delta = 0), and `steps` steps
 * compose basically: steps times that (Dwork and Roth 2014, Thm. 3.16).
 * delta is 0.
 */
/* *eps = steps * log1p(q * expm1(1 / noise_multiplier)); +inf when
 * noise_multiplier is 0 and q, steps > 0. */
int hl_dp_laplace_epsilon(double noise_multiplier, double q, long steps, double *eps);
/* The inverse: *noise_multiplier = 1 / log1p(expm1(target_eps / steps) / q),
 * the smallest one whose epsilon is at most target_eps (0 when q or steps
 * is 0). */
int hl_dp_laplace_noise_multiplier(double target_eps, double q, long steps,
                                   double *noise_multiplier);

#endif
