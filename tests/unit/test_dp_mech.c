/*
 * test_dp_mech.c - the mechanisms of differential privacy (src/dp/mech.c):
 * clipping against norms worked out by hand, the noise's laws against
 * their moments and tails (tolerances from the sampling error of each
 * statistic), the distributed shares against the central law, and
 * adaptive clipping against rounds computed by hand, its sign, its fixed
 * point, and the noise multiplier of Andrew et al. 2021, Thm. 1.
 */
#include "unit.h"

#include <float.h>
#include <stdlib.h>

#include "dp/mech.h"

/* ---- clipping ---------------------------------------------------------- */

/* (3, 4) has L2 norm 5: to C = 1 it becomes (0.6, 0.8); at C = 5 and
 * above it is left alone (<= C is not clipped). */
static void test_clip_l2(void)
{
    double v[2] = { 3, 4 };
    CHECK_NEAR(hl_dp_clip_l2(v, 2, 10.0), 5.0, 0);
    CHECK(v[0] == 3 && v[1] == 4);
    CHECK_NEAR(hl_dp_clip_l2(v, 2, 5.0), 5.0, 0);
    CHECK(v[0] == 3 && v[1] == 4);
    CHECK_NEAR(hl_dp_clip_l2(v, 2, 1.0), 5.0, 0);
    CHECK_NEAR(v[0], 0.6, 1e-15);
    CHECK_NEAR(v[1], 0.8, 1e-15);
    CHECK(hl_dp_norm_l2(v, 2) <= 1.0 + 1e-15);
}

/* (3, -4) has L1 norm 7: to C = 1 it becomes (3/7, -4/7). */
static void test_clip_l1(void)
{
    double v[2] = { 3, -4 };
    CHECK_NEAR(hl_dp_clip_l1(v, 2, 7.0), 7.0, 0);
    CHECK(v[0] == 3 && v[1] == -4);
    CHECK_NEAR(hl_dp_clip_l1(v, 2, 1.0), 7.0, 0);
    CHECK_NEAR(v[0], 3.0 / 7, 1e-16);
    CHECK_NEAR(v[1], -4.0 / 7, 1e-16);
    /* the dispatch: Gaussian clips in L2, Laplace in L1 */
    double a[2] = { 3, 4 }, b[2] = { 3, 4 };
    CHECK_NEAR(hl_dp_clip(HL_DP_GAUSSIAN, a, 2, 1.0), 5.0, 0);
    CHECK_NEAR(hl_dp_clip(HL_DP_LAPLACE, b, 2, 1.0), 7.0, 0);
    CHECK_NEAR(a[0], 0.6, 1e-15);
    CHECK_NEAR(b[0], 3.0 / 7, 1e-16);
}

/* Entries whose squares (or sum) overflow: (3e200, 4e200) has norm
 * 5e200, not infinity, and clips to (0.6, 0.8); (1e308, 1e308) has an L1
 * norm beyond DBL_MAX (reported infinite) and still clips to (0.5, 0.5). */
static void test_clip_huge(void)
{
    double v[2] = { 3e200, 4e200 }, w[2] = { 1e308, 1e308 };
    CHECK_NEAR(hl_dp_norm_l2(v, 2) / 5e200, 1.0, 1e-15);
    CHECK_NEAR(hl_dp_clip_l2(v, 2, 1.0) / 5e200, 1.0, 1e-15);
    CHECK_NEAR(v[0], 0.6, 1e-15);
    CHECK_NEAR(v[1], 0.8, 1e-15);
    CHECK(isinf(hl_dp_clip_l1(w, 2, 1.0)));
    CHECK_NEAR(w[0], 0.5, 1e-16);
    CHECK_NEAR(w[1], 0.5, 1e-16);
}

/* A NaN or infinite entry, or C <= 0, zeroes the vector: its contribution
 * stays bounded whatever the model computed. */
static void test_clip_garbage(void)
{
    double a[3] = { 1, NAN, 2 }, b[3] = { 1, -INFINITY, 2 }, c[2] = { 3, 4 };
    CHECK(isnan(hl_dp_clip_l2(a, 3, 1.0)));
    CHECK(a[0] == 0 && a[1] == 0 && a[2] == 0);
    CHECK(isinf(hl_dp_clip_l1(b, 3, 1.0)));
    CHECK(b[0] == 0 && b[1] == 0 && b[2] == 0);
    CHECK_NEAR(hl_dp_clip_l2(c, 2, 0.0), 5.0, 0);
    CHECK(c[0] == 0 && c[1] == 0);
    CHECK(hl_dp_adaptive_report(NAN, 1.0) == -0.5);
}

/* ---- noise ------------------------------------------------------------ */

enum { ND = 200000 };

/*
 * N(0, 2.5^2) over ND draws.  Tolerances are 5 standard errors: the mean's
 * is s / sqrt(N) = 0.0056; the sample variance's is s^2 sqrt(2 / N)
 * (normal fourth moment 3 s^4), relative 0.32%.
 */
static void test_gaussian_noise(void)
{
    const double s = 2.5;
    double *v = calloc(ND, sizeof *v), sum = 0, sq = 0;
    HlRng r;
    hl_rng_seed(&r, 11, 0, 0, HL_RNG_NOISE);
    hl_dp_add_gaussian(v, ND, s, &r);
    for (int i = 0; i < ND; i++) {
        sum += v[i];
        sq += v[i] * v[i];
    }
    CHECK_NEAR(sum / ND, 0.0, 5 * s / sqrt(ND));
    CHECK_NEAR(sq / ND / (s * s), 1.0, 5 * sqrt(2.0 / ND));
    free(v);
}

/*
 * Laplace(0, b = 1.5): |X| is exponential with mean b and sd b, so the
 * mean of |X| is b within 5 b / sqrt(N); P(|X| > 2b) = e^-2, a binomial
 * proportion within 5 sqrt(p (1 - p) / N); the variance is 2 b^2 (fourth
 * moment 24 b^4, so the sample variance's relative sd is sqrt(5 / N)).
 */
static void test_laplace_noise(void)
{
    const double b = 1.5;
    double *v = calloc(ND, sizeof *v), abs_sum = 0, sq = 0;
    long tail = 0;
    HlRng r;
    hl_rng_seed(&r, 12, 0, 0, HL_RNG_NOISE);
    hl_dp_add_laplace(v, ND, b, &r);
    for (int i = 0; i < ND; i++) {
        abs_sum += fabs(v[i]);
        sq += v[i] * v[i];
        tail += fabs(v[i]) > 2 * b;
    }
    const double p = exp(-2.0);
    CHECK_NEAR(abs_sum / ND, b, 5 * b / sqrt(ND));
    CHECK_NEAR((double)tail / ND, p, 5 * sqrt(p * (1 - p) / ND));
    CHECK_NEAR(sq / ND / (2 * b * b), 1.0, 5 * sqrt(5.0 / ND));
    free(v);
}

/* hl_dp_add_noise and a share with min_survivors <= 1 are the same draws
 * as the mechanism's own function; HL_DP_NONE adds nothing. */
static void test_noise_dispatch(void)
{
    double a[8] = { 0 }, b[8] = { 0 }, c[8] = { 0 }, d[8] = { 1, 2 };
    HlRng ra, rb, rc;
    for (int mech = HL_DP_GAUSSIAN; mech <= HL_DP_LAPLACE; mech++) {
        hl_rng_seed(&ra, 3, 1, 4, HL_RNG_NOISE);
        rb = ra;
        rc = ra;
        if (mech == HL_DP_GAUSSIAN)
            hl_dp_add_gaussian(a, 8, 0.7, &ra);
        else
            hl_dp_add_laplace(a, 8, 0.7, &ra);
        hl_dp_add_noise((HlDpMechanism)mech, b, 8, 0.7, &rb);
        hl_dp_add_noise_share((HlDpMechanism)mech, c, 8, 0.7, 1, &rc);
        CHECK(memcmp(a, b, sizeof a) == 0);
        CHECK(memcmp(a, c, sizeof a) == 0);
    }
    hl_dp_add_noise(HL_DP_NONE, d, 8, 5.0, &ra);
    CHECK(d[0] == 1 && d[1] == 2 && d[7] == 0);
}

/*
 * Distributed DP: with t = 4, four Gaussian shares of central stddev 2
 * sum to N(0, 4) (variance 4, within 5 sd of the sample variance, relative
 * 5 sqrt(2/N)); six survivors carry N(0, 4 * 6/4) = variance 6, more noise,
 * never less.  Four Laplace shares of scale 1 sum to Laplace(1): E|X| = 1
 * and P(|X| > 2) = e^-2 as above; one share alone has variance 2 / t
 * (a difference of two Gamma(1/t) draws).
 */
enum { NS = 50000 };

static void test_noise_shares(void)
{
    double *g4 = calloc(NS, sizeof *g4), *g6 = calloc(NS, sizeof *g6);
    double *l4 = calloc(NS, sizeof *l4), *l1 = calloc(NS, sizeof *l1);
    HlRng r;
    for (int node = 0; node < 6; node++) {
        hl_rng_seed(&r, 21, 0, (uint64_t)node, HL_RNG_NOISE);
        hl_dp_add_noise_share(HL_DP_GAUSSIAN, g6, NS, 2.0, 4, &r);
        if (node < 4) {
            hl_rng_seed(&r, 22, 0, (uint64_t)node, HL_RNG_NOISE);
            hl_dp_add_noise_share(HL_DP_GAUSSIAN, g4, NS, 2.0, 4, &r);
            hl_rng_seed(&r, 23, 0, (uint64_t)node, HL_RNG_NOISE);
            hl_dp_add_noise_share(HL_DP_LAPLACE, l4, NS, 1.0, 4, &r);
        }
    }
    hl_rng_seed(&r, 24, 0, 0, HL_RNG_NOISE);
    hl_dp_add_noise_share(HL_DP_LAPLACE, l1, NS, 1.0, 4, &r);
    double v4 = 0, v6 = 0, abs4 = 0, v1 = 0;
    long tail = 0;
    for (int i = 0; i < NS; i++) {
        v4 += g4[i] * g4[i];
        v6 += g6[i] * g6[i];
        abs4 += fabs(l4[i]);
        tail += fabs(l4[i]) > 2.0;
        v1 += l1[i] * l1[i];
    }
    const double tol = 5 * sqrt(2.0 / NS), p = exp(-2.0);
    CHECK_NEAR(v4 / NS / 4.0, 1.0, tol);
    CHECK_NEAR(v6 / NS / 6.0, 1.0, tol);
    CHECK_NEAR(abs4 / NS, 1.0, 5 / sqrt(NS));
    CHECK_NEAR((double)tail / NS, p, 5 * sqrt(p * (1 - p) / NS));
    /* a single share: variance 2/t = 0.5; Gamma(1/4) differences are
     * heavy-tailed (kurtosis of Laplace(1)'s quarter share: 3 + 3*4 = 15),
     * so the sample variance's relative sd is sqrt((15 - 1) / N) */
    CHECK_NEAR(v1 / NS / 0.5, 1.0, 5 * sqrt(14.0 / NS));
    free(g4);
    free(g6);
    free(l4);
    free(l1);
}

/* ---- adaptive clipping ----------------------------------------------------- */

/*
 * Four rounds by hand, m = 10 expected nodes, C0 = 1, gamma 0.5, eta 0.2,
 * no noise (r NULL).  Reports are +1/2 (unclipped) and -1/2 (clipped).
 *   round 1: 2 of 10 unclipped, sum 1 - 4 = -3, b~ = -0.3 + 0.5 = 0.2
 *            C1 = exp(-0.2 (0.2 - 0.5)) = e^0.06 = 1.0618365465453596 (grows)
 *   round 2: 9 of 10 unclipped, sum 4.5 - 0.5 = 4, b~ = 0.9
 *            C2 = C1 e^(-0.2 * 0.4) = e^-0.02 = 0.9801986733067553 (shrinks)
 *   round 3: 5 of 10, sum 0, b~ = 0.5 = gamma: C3 = C2
 *   round 4: none unclipped, sum -5, b~ = 0: C4 = C3 e^0.1 = e^0.08
 *            = 1.0832870676749586
 */
static void test_adaptive_by_hand(void)
{
    HlDpAdaptiveClip a;
    hl_dp_adaptive_init(&a, 1.0, 10);
    CHECK(a.target == 0.5 && a.lr == 0.2);
    CHECK_NEAR(a.count_stddev, 0.5, 1e-16);      /* m / 20 */
    const int unclipped[4] = { 2, 9, 5, 0 };
    const double want[4] = { 1.0618365465453596, 0.9801986733067553, 0.9801986733067553,
                             1.0832870676749586 };
    for (int round = 0; round < 4; round++) {
        double sum = 0;
        for (int i = 0; i < 10; i++)
            sum += hl_dp_adaptive_report(i < unclipped[round] ? 0.5 : 2.0, 1.0);
        CHECK_NEAR(hl_dp_adaptive_update(&a, sum, NULL), want[round], 1e-15);
        CHECK_NEAR(a.clip, want[round], 1e-15);
    }
    /* a norm equal to the clip is unclipped */
    CHECK(hl_dp_adaptive_report(1.0, 1.0) == 0.5);
    CHECK(hl_dp_adaptive_report(nextafter(1.0, 2.0), 1.0) == -0.5);
}

/*
 * The sign.  Every update clipped (b~ = 0 < gamma): C must grow, by
 * e^(eta gamma) = e^0.1; none clipped (b~ = 1): C shrinks by e^-0.1.
 * b~ is clamped to [0, 1] (TF-Privacy does the same): a noisy sum far
 * below -m/2 moves C no more than b~ = 0 does.
 */
static void test_adaptive_sign(void)
{
    HlDpAdaptiveClip a;
    hl_dp_adaptive_init(&a, 2.0, 10);
    CHECK(hl_dp_adaptive_update(&a, -5.0, NULL) > 2.0);
    CHECK_NEAR(a.clip, 2.0 * exp(0.1), 1e-15);
    hl_dp_adaptive_init(&a, 2.0, 10);
    CHECK(hl_dp_adaptive_update(&a, 5.0, NULL) < 2.0);
    CHECK_NEAR(a.clip, 2.0 * exp(-0.1), 1e-15);
    hl_dp_adaptive_init(&a, 2.0, 10);
    CHECK(hl_dp_adaptive_fraction(&a, -50.0, NULL) == 0.0);
    CHECK(hl_dp_adaptive_fraction(&a, 50.0, NULL) == 1.0);
    /* 6 of 10 expected report, all unclipped: the centered sum gives
     * 3/10 + 1/2 = 0.8 (TF-Privacy's estimate), not the paper's 6/10 */
    CHECK_NEAR(hl_dp_adaptive_fraction(&a, 3.0, NULL), 0.8, 1e-15);
    /* no expected nodes: no move */
    a.expected = 0;
    CHECK(hl_dp_adaptive_update(&a, -5.0, NULL) == 2.0);
}

/*
 * The fixed point: ten nodes whose update norms are 1, 2, ..., 10, no
 * noise.  With gamma = 1/2 the clip settles where half of them are
 * unclipped, in [5, 6): from below each round multiplies C by e^(0.2 *
 * (0.5 - j/10)) > 1 while j < 5 norms are <= C, from above by a factor < 1,
 * and in [5, 6) b~ = 0.5 and C stays.  A clip moving the wrong way would
 * run to 0 or infinity.
 */
static void test_adaptive_converges_to_median(void)
{
    const double starts[2] = { 0.1, 100.0 };
    for (int s = 0; s < 2; s++) {
        HlDpAdaptiveClip a;
        hl_dp_adaptive_init(&a, starts[s], 10);
        for (int round = 0; round < 400; round++) {
            double sum = 0;
            for (int i = 1; i <= 10; i++)
                sum += hl_dp_adaptive_report((double)i, a.clip);
            hl_dp_adaptive_update(&a, sum, NULL);
        }
        CHECK(a.clip >= 5.0 && a.clip < 6.0);
    }
}

/*
 * With r, the count is noised by N(0, sigma_b^2): at a report sum of 0 and
 * m = 100 (sigma_b = 5), b~ = 0.5 + N(0, 5^2)/100, sd 0.05 (the clamp to
 * [0, 1] is 10 sd away).  One draw checked against the same draw from a
 * twin stream; the sd over NA draws within 5 standard errors (relative
 * 5 sqrt(2/NA)).
 */
enum { NA = 20000 };

static void test_adaptive_noise(void)
{
    HlDpAdaptiveClip a;
    HlRng r, twin;
    hl_dp_adaptive_init(&a, 1.0, 100);
    CHECK_NEAR(a.count_stddev, 5.0, 1e-15);
    hl_rng_seed(&r, 31, 2, 0, HL_RNG_NOISE);
    twin = r;
    double z = hl_rng_normal(&twin);
    CHECK_NEAR(hl_dp_adaptive_fraction(&a, 2.0, &r), (2.0 + 5.0 * z) / 100 + 0.5, 1e-15);
    double sq = 0;
    for (int i = 0; i < NA; i++) {
        double f = hl_dp_adaptive_fraction(&a, 0.0, &r) - 0.5;
        sq += f * f;
    }
    CHECK_NEAR(sqrt(sq / NA) / 0.05, 1.0, 5 * sqrt(0.5 / NA));
}

/*
 * Thm. 1 of Andrew et al. 2021: z = (z_Delta^-2 + (2 sigma_b)^-2)^(-1/2).
 *   z = 1, sigma_b = 5 (m = 100): z_Delta = (1 - 1/100)^(-1/2)
 *     = 1/sqrt(0.99) = 1.005037815259212
 *   z = 2, sigma_b = 2: z_Delta = (1/4 - 1/16)^(-1/2) = 4/sqrt(3)
 *     = 2.3094010767585034
 * and back.  2 sigma_b <= z is refused (the count alone would spend the
 * budget): z = 1 with sigma_b = 0.5 (m = 10 at the default m/20) or 0.4.
 */
static void test_adaptive_multiplier(void)
{
    double zd = -1;
    CHECK_INT(hl_dp_adaptive_multiplier(1.0, 5.0, &zd), 0);
    CHECK_NEAR(zd, 1.005037815259212, 1e-15);
    CHECK_NEAR(hl_dp_adaptive_overall_multiplier(zd, 5.0), 1.0, 1e-15);
    CHECK_INT(hl_dp_adaptive_multiplier(2.0, 2.0, &zd), 0);
    CHECK_NEAR(zd, 2.3094010767585034, 1e-15);
    CHECK_NEAR(hl_dp_adaptive_overall_multiplier(zd, 2.0), 2.0, 1e-15);
    zd = -1;
    CHECK_INT(hl_dp_adaptive_multiplier(1.0, 0.5, &zd), -1);
    CHECK_INT(hl_dp_adaptive_multiplier(1.0, 0.4, &zd), -1);
    CHECK(zd == -1);
    CHECK_INT(hl_dp_adaptive_multiplier(0.0, 0.5, &zd), 0);
    CHECK(zd == 0.0);
    /* an exact count is no privacy; an infinitely noisy one costs nothing */
    CHECK(hl_dp_adaptive_overall_multiplier(1.0, 0.0) == 0.0);
    CHECK(hl_dp_adaptive_overall_multiplier(1.5, INFINITY) == 1.5);
}

int main(void)
{
    RUN(test_clip_l2);
    RUN(test_clip_l1);
    RUN(test_clip_huge);
    RUN(test_clip_garbage);
    RUN(test_gaussian_noise);
    RUN(test_laplace_noise);
    RUN(test_noise_dispatch);
    RUN(test_noise_shares);
    RUN(test_adaptive_by_hand);
    RUN(test_adaptive_sign);
    RUN(test_adaptive_converges_to_median);
    RUN(test_adaptive_noise);
    RUN(test_adaptive_multiplier);
    return unit_report();
}
