/*
 * mech.h - the mechanisms of differential privacy: clipping a vector to a
 * norm bound, adding Gaussian or Laplace noise to it, splitting that noise
 * among the nodes of a round (distributed DP), and moving the clipping
 * bound toward a quantile of the update norms (adaptive clipping).
 *
 * Record level, DP-SGD (Abadi et al. 2016) uses the clip and the noise on
 * each row's gradient (ml/train.c).  Node level, DP-FedAvg (McMahan et al.
 * 2018, "Learning Differentially Private Recurrent Language Models",
 * Alg. 1 with the flat clip): each node's update Delta_i is clipped to
 * norm S, the server adds noise of scale z S to the sum of the clipped
 * updates and divides by the expected number of nodes.  That bound is the
 * sensitivity only for an unweighted sum (or weights capped at 1, the
 * paper's w_k = min(n_k / w^, 1)): weighting by rows multiplies a node's
 * reach by its row count, and dividing by the number of nodes that did
 * report leaks that number.
 *
 * What it promises: each function does the arithmetic of its mechanism as
 * written here.  What it does not: accounting (rdp.h), nor deciding who
 * adds which noise when (the engine).  Two limits hold for every caller:
 *  - the noise is only as secret as the HlRng stream that draws it: a
 *    party who knows the stream's seed can subtract the noise, so the
 *    engine must seed noise from something that party does not know;
 *  - samplers over doubles leak through their low-order bits (Mironov
 *    2012, "On significance of the least significant bits for
 *    differential privacy"); nothing here snaps or rounds the output.
 */
#ifndef HL_DP_MECH_H
#define HL_DP_MECH_H

#include "rng.h"

/* The noise, and with it the norm each contribution is clipped in. */
typedef enum HlDpMechanism {
    HL_DP_NONE = 0,         /* no differential privacy */
    HL_DP_GAUSSIAN,         /* L2 clip, N(0, (z C)^2) per coordinate: (eps, delta)-DP */
    HL_DP_LAPLACE           /* L1 clip, Laplace(z C) per coordinate: pure eps = 1/z a release */
} HlDpMechanism;

/* ---- norms and clipping ------------------------------------------------ */

/* ||v||_2 and ||v||_1 of v[0..p), without overflow for any finite entries
 * (a rescaled second pass when the plain sum overflows).  NaN when an
 * entry is NaN, infinity when one is infinite. */
double hl_dp_norm_l2(const double *v, int p);
double hl_dp_norm_l1(const double *v, int p);

/* Scales v[0..p) by C / ||v|| when its norm is above C, so that afterward
 * ||v|| <= C (to within a rounding of the last bit), and leaves it alone
 * otherwise.  Returns the norm before clipping: whether it was <= C is a
 * node's adaptive-clipping report.  A vector with a NaN or infinite entry,
 * and any vector when C <= 0, becomes all zeros: a contribution is bounded
 * even when the model produced garbage. */
double hl_dp_clip_l2(double *v, int p, double C);
double hl_dp_clip_l1(double *v, int p, double C);
/* The clip of a mechanism: L2 for Gaussian, L1 for Laplace (the norm the
 * noise is calibrated to).  HL_DP_NONE clips nothing and returns the L2
 * norm. */
double hl_dp_clip(HlDpMechanism mech, double *v, int p, double C);

/* ---- noise ------------------------------------------------------------ */

/* One Laplace(0, scale) draw, as scale (E1 - E2) with E1, E2 standard
 * exponentials (the difference of two i.i.d. exponentials is Laplace).
 * Two uniforms a draw. */
double hl_dp_laplace(HlRng *r, double scale);

/* v[j] += N(0, stddev^2), resp. Laplace(0, scale), for j < p.  Always
 * draws p numbers, whatever the scale, so the stream advances the same way
 * for any noise level. */
void hl_dp_add_gaussian(double *v, int p, double stddev, HlRng *r);
void hl_dp_add_laplace(double *v, int p, double scale, HlRng *r);
/* The noise of mech with scale = stddev (Gaussian) or Laplace scale;
 * HL_DP_NONE adds nothing. */
void hl_dp_add_noise(HlDpMechanism mech, double *v, int p, double scale, HlRng *r);

/*
 * ---- distributed DP: each node adds a share -------------------------------
 *
 * With secure aggregation the server sees only the sum of the nodes'
 * vectors, so no one party can add the noise.  Instead each of the k
 * nodes whose vectors reach the sum adds a share, and the shares add up
 * to the central noise:
 *
 *   Gaussian  share N(0, sigma^2 / t):   the sum of k shares is
 *             N(0, sigma^2 k / t)
 *   Laplace   share b (G1 - G2), G1, G2 ~ Gamma(1/t, 1):  the sum of k
 *             shares is b (Gamma(k/t) - Gamma(k/t)), which for k = t is
 *             exactly Laplace(b) (the Laplace law is infinitely divisible:
 *             Kotz, Kozubowski & Podgorski 2001, "The Laplace Distribution
 *             and Generalizations", Sec. 2.4.1).
 *
 * t is min_survivors: the fewest nodes whose vectors the engine will ever
 * sum in the round.  With k >= t survivors the sum carries the central
 * noise plus independent extra noise (Gamma and Gaussian shapes add), and
 * extra noise cannot weaken a guarantee (post-processing), so the round
 * may be accounted at sigma (resp. b).  With k < t it carries less, and
 * the round must not be released at that accounting.  So the engine should
 * take t = the secure-aggregation threshold (below which the sum is not
 * recovered at all), or, without a threshold, the smallest number of
 * survivors it accepts, and treat fewer survivors as a failed round.
 * Splitting among all m selected nodes (t = m) is right only when no node
 * can drop out after adding its share.  The price of a safe t: with all m
 * nodes surviving, the sum's Gaussian stddev is sigma sqrt(m / t).
 *
 * The shares are only private as long as each node's share stays secret;
 * a node's own vector plus its share is what it sends (masked).
 */

/* Adds one node's share: mech's noise of central scale `scale`, for at
 * least min_survivors shares in the sum.  min_survivors <= 1 is the
 * central mechanism, identical to hl_dp_add_noise. */
void hl_dp_add_noise_share(HlDpMechanism mech, double *v, int p, double scale,
                           int min_survivors, HlRng *r);

/* ---- adaptive clipping ----------------------------------------------------
 *
 * Andrew, Thakkar, McMahan & Ramaswamy 2021, "Differentially Private
 * Learning with Adaptive Clipping", Alg. 1 with the geometric update, as
 * TF-Privacy's QuantileAdaptiveClipSumQuery computes it.  Each round every
 * node reports whether its update was left unclipped, b_i = [||Delta_i||
 * <= C], centered as b_i - 1/2 so that adding or removing a node moves the
 * sum by at most 1/2.  The server forms the noisy fraction
 *
 *     b~ = clamp((sum_i (b_i - 1/2) + N(0, sigma_b^2)) / m + 1/2, 0, 1)
 *
 * (m the expected number of nodes; with m nodes reporting this is the
 * paper's (sum b_i + noise) / m) and moves the clip for the next round:
 *
 *     C <- C exp(-eta (b~ - gamma))
 *
 * Too many updates clipped (b~ < gamma) makes the exponent positive: C
 * grows.  Too few clipped (b~ > gamma): C shrinks.
 */
typedef struct HlDpAdaptiveClip {
    double clip;            /* C: the bound for the coming round (> 0) */
    double target;          /* gamma: fraction of updates to leave unclipped (0.5) */
    double lr;              /* eta: C moves by at most a factor e^eta a round (0.2) */
    double count_stddev;    /* sigma_b: stddev of the noise on the count (m / 20) */
    double expected;        /* m: expected number of reporting nodes a round (> 0) */
} HlDpAdaptiveClip;

/* The paper's defaults (Sec. 3 and 4): gamma 0.5, eta 0.2, sigma_b = m/20. */
#define HL_DP_ADAPTIVE_TARGET 0.5
#define HL_DP_ADAPTIVE_LR 0.2
#define HL_DP_ADAPTIVE_COUNT_STDDEV_PER_NODE 0.05

/* a with clip C and the defaults above for m expected nodes. */
void hl_dp_adaptive_init(HlDpAdaptiveClip *a, double clip, double expected_nodes);

/* A node's report: +1/2 when its update's norm (before clipping) was
 * <= clip, else -1/2 (also when the norm is NaN). */
double hl_dp_adaptive_report(double norm, double clip);

/* b~ from the sum of the reports.  r not NULL: N(0, sigma_b^2) is drawn
 * from r and added here (central noise).  r NULL: the sum already carries
 * its noise (the nodes added shares, hl_dp_add_noise_share over
 * sigma_b), or the caller wants none.  m <= 0 returns gamma (no move). */
double hl_dp_adaptive_fraction(const HlDpAdaptiveClip *a, double report_sum, HlRng *r);

/* C <- C exp(-eta (fraction - gamma)); returns the new C. */
double hl_dp_adaptive_step(HlDpAdaptiveClip *a, double fraction);

/* Both: the round's update of the clip from the sum of the reports. */
double hl_dp_adaptive_update(HlDpAdaptiveClip *a, double report_sum, HlRng *r);

/*
 * The noise multiplier of the updates that keeps a round, count included,
 * as private as one Gaussian mechanism of multiplier z (Andrew et al. 2021,
 * Thm. 1).  The count has sensitivity 1/2 (the centering), so its own
 * multiplier is z_b = sigma_b / (1/2) = 2 sigma_b, and the two releases
 * together are a Gaussian mechanism of multiplier
 *
 *     z = (z_Delta^-2 + z_b^-2)^(-1/2),  so  z_Delta = (z^-2 - (2 sigma_b)^-2)^(-1/2).
 *
 * Sets *z_delta and returns 0; z <= 0 (no noise) gives 0.  Returns -1 and
 * leaves *z_delta alone when 2 sigma_b <= z: the count alone would then
 * spend the whole budget (raise sigma_b or the expected number of nodes).
 */
int hl_dp_adaptive_multiplier(double z, double count_stddev, double *z_delta);

/* The other way: the overall z of updates noised at z_delta and a count
 * noised at sigma_b, (z_delta^-2 + (2 sigma_b)^-2)^(-1/2); z_delta when
 * sigma_b is infinite, 0 when either is 0. */
double hl_dp_adaptive_overall_multiplier(double z_delta, double count_stddev);

#endif
