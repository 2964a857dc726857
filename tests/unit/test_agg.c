/*
 * test_agg.c - the aggregators (src/agg/): FedAvg/FedProx, the FedOpt
 * server optimizers of Reddi et al. 2021, coordinate-wise median and
 * trimmed mean, Krum, the registry, and the selection they share.  Every
 * expected value is worked out by hand in the comment above its checks.
 */
#include "unit.h"

#include "agg.h"

#include <stdlib.h>

#define TOL 1e-12

static const HlAggConfig defaults = { 0.1, 0.9, 0.99, 1e-3, 0.1, -1 };

/* ---- fedavg / fedprox ------------------------------------------------ */

/* Weights 1, 2, 3 over (1, 10), (4, -2), (7, 0.5):
 *   x_0 = (1*1 + 2*4 + 3*7) / 6      = 30 / 6  = 5
 *   x_1 = (1*10 + 2*-2 + 3*0.5) / 6  = 7.5 / 6 = 1.25 */
static void test_fedavg_weighted(void)
{
    const double a[] = { 1, 10 }, b[] = { 4, -2 }, c[] = { 7, 0.5 }, g[] = { 0, 0 };
    const double *models[] = { a, b, c };
    const double w[] = { 1, 2, 3 };
    double out[2];
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, w, 3, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 5.0, TOL);
    CHECK_NEAR(out[1], 1.25, TOL);
}

/* FedNova by hand: global (1, 0), node models (3, 4) after 2 steps and
 * (2, 1) after 1 step, weights 1 and 3.  tau_eff = (1*2 + 3*1) / 4 = 1.25;
 * the updates (2, 4) and (1, 1) become (2, 4) * 1.25/2 = (1.25, 2.5) and
 * (1, 1) * 1.25 = (1.25, 1.25); their weighted mean is (1.25, 1.5625), so
 * the next global model is (2.25, 1.5625).  FedAvg would give (2.25, 1.75).
 * Equal steps: FedNova is FedAvg; a node without steps keeps the global
 * model and does not count in tau_eff. */
static void test_fednova_by_hand(void)
{
    double a[] = { 3, 4 }, b[] = { 2, 1 };
    const double g[] = { 1, 0 }, w[] = { 1, 3 }, steps[] = { 2, 1 };
    double *mut[] = { a, b };
    CHECK_NEAR(hl_agg_fednova_scale(g, mut, w, steps, 2, 2), 1.25, TOL);
    CHECK_NEAR(a[0], 1 + 2 * 0.625, TOL);
    CHECK_NEAR(a[1], 4 * 0.625, TOL);
    CHECK_NEAR(b[0], 1 + 1.25, TOL);
    CHECK_NEAR(b[1], 1.25, TOL);
    const double *models[] = { a, b };
    double out[2];
    CHECK_INT(hl_agg_fednova.aggregate(&defaults, g, models, w, 2, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 2.25, TOL);
    CHECK_NEAR(out[1], 1.5625, TOL);
    CHECK(hl_agg_find("FedNova") == &hl_agg_fednova && hl_agg_fednova.per_step);

    double c[] = { 3, 4 }, d[] = { 2, 1 }, e[] = { 9, 9 };
    const double same[] = { 4, 4, 0 };
    double *mut2[] = { c, d, e };
    CHECK_NEAR(hl_agg_fednova_scale(g, mut2, NULL, same, 3, 2), 4.0, TOL);
    CHECK(c[0] == 3 && c[1] == 4 && d[0] == 2 && d[1] == 1 && e[0] == 9);
    const double none[] = { 0, 0 };
    CHECK(hl_agg_fednova_scale(g, mut2, NULL, none, 2, 2) == 0 && c[0] == 3);
}

/* Equal weights give the plain mean: (1 + 4 + 7) / 3 = 4 and
 * (10 - 2 + 0.5) / 3 = 8.5 / 3; so do weights 5, 5, 5, NULL weights, and
 * fedprox (the same server step). */
static void test_fedavg_equal_weights(void)
{
    const double a[] = { 1, 10 }, b[] = { 4, -2 }, c[] = { 7, 0.5 }, g[] = { 0, 0 };
    const double *models[] = { a, b, c };
    const double ones[] = { 1, 1, 1 }, fives[] = { 5, 5, 5 };
    double out[2];
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, ones, 3, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 4.0, TOL);
    CHECK_NEAR(out[1], 8.5 / 3, TOL);
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, fives, 3, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 4.0, TOL);
    CHECK_NEAR(out[1], 8.5 / 3, TOL);
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, NULL, 3, 2, NULL, out), 0);
    CHECK_NEAR(out[1], 8.5 / 3, TOL);
    CHECK_INT(hl_agg_fedprox.aggregate(&defaults, g, models, ones, 3, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 4.0, TOL);
    CHECK_NEAR(out[1], 8.5 / 3, TOL);
}

/* 10,000 nodes.  Coordinate 0: every node holds 0.1; a plain running sum
 * reaches 1000.0000000001588 (mean 0.10000000000001588), the exact sum of
 * the doubles is 1000.0000000000000555, so a compensated sum rounds to
 * 1000 and the mean is exactly 0.1.  Coordinate 1: nodes hold 1e16, 1,
 * -1e16, 1, ... (period 4); a plain sum drops every 1 that follows 1e16
 * (the spacing of doubles there is 2) and gives 2500 / 10000 = 0.25, the
 * true mean is 5000 / 10000 = 0.5.  Coordinates 2..299 cross a block
 * boundary (HL_AGG_BLOCK = 256): node i holds j, so the mean is j. */
static void test_fedavg_precision(void)
{
    enum { M = 10000, P = 300 };
    double *store = malloc((size_t)M * P * sizeof *store);
    const double **models = malloc(M * sizeof *models);
    double *out = malloc(P * sizeof *out), g[P] = { 0 };
    CHECK(store && models && out);
    if (!store || !models || !out)
        goto done;
    for (int i = 0; i < M; i++) {
        double *x = store + (size_t)i * P;
        x[0] = 0.1;
        x[1] = i % 4 == 0 ? 1e16 : i % 4 == 2 ? -1e16 : 1.0;
        for (int j = 2; j < P; j++)
            x[j] = j;
        models[i] = x;
    }
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, NULL, M, P, NULL, out), 0);
    CHECK(out[0] == 0.1);
    CHECK(out[1] == 0.5);
    int ok = 1;
    for (int j = 2; j < P; j++)
        ok &= out[j] == j;
    CHECK(ok);
done:
    free(store);
    free(models);
    free(out);
}

/* No models, or weights that sum to 0: -1 and out untouched. */
static void test_fedavg_refuses(void)
{
    const double a[] = { 1 }, g[] = { 0 };
    const double *models[] = { a };
    const double zero[] = { 0 };
    double out[1] = { 42 };
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, NULL, 0, 1, NULL, out), -1);
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, g, models, zero, 1, 1, NULL, out), -1);
    CHECK(out[0] == 42);
}

/* ---- FedOpt (Reddi et al. 2021, Algorithm 2) ------------------------- */

/*
 * One example for the three optimizers: p = 2, eta = 0.5, beta1 = 0.5,
 * beta2 = 0.75, tau = 0.5 (tau^2 = 0.25), global x_0 = (1, -1), two nodes
 * with weights 1 and 3.  Initial state (ours): m_{-1} = (0, 0),
 * v_{-1} = (tau^2, tau^2) = (0.25, 0.25).
 *
 * Round 1: node updates d_A = (2, -1.375), d_B = (0, -1.375), so
 *   Delta_0 = ((1*2 + 3*0) / 4, (1*-1.375 + 3*-1.375) / 4) = (0.5, -1.375)
 *   Delta_0^2 = (0.25, 1.890625)
 *   m_0 = 0.5*0 + 0.5*Delta_0 = (0.25, -0.6875)             (all three)
 * Round 2: node updates d_A = (-0.5, 0.75), d_B = (-0.5, -0.25) from each
 * optimizer's own x_1, so
 *   Delta_1 = (-0.5, (0.75 - 0.75) / 4) = (-0.5, 0),  Delta_1^2 = (0.25, 0)
 *   m_1 = 0.5*m_0 + 0.5*Delta_1 = (0.125 - 0.25, -0.34375) = (-0.125, -0.34375)
 */
static const HlAggConfig fedopt_config = { 0.5, 0.5, 0.75, 0.5, 0.1, -1 };

/* Runs one round with updates da, db (weights 1, 3) from x; x becomes the
 * result. */
static void fedopt_round(const HlAggOps *ops, double *x, double *state, const double *da,
                         const double *db)
{
    double a[2] = { x[0] + da[0], x[1] + da[1] }, b[2] = { x[0] + db[0], x[1] + db[1] };
    const double *models[] = { a, b };
    const double w[] = { 1, 3 };
    CHECK_INT(ops->aggregate(&fedopt_config, x, models, w, 2, 2, state, x), 0);
}

static const double r1_da[] = { 2, -1.375 }, r1_db[] = { 0, -1.375 };
static const double r2_da[] = { -0.5, 0.75 }, r2_db[] = { -0.5, -0.25 };

/*
 * FedAdam: v_t = 0.75 v_{t-1} + 0.25 Delta_t^2.
 * Round 1: v_0 = (0.75*0.25 + 0.25*0.25, 0.75*0.25 + 0.25*1.890625)
 *              = (0.25, 0.66015625),  sqrt(v_0) = (0.5, 0.8125)
 *   x_1 = (1 + 0.5*0.25 / (0.5 + 0.5), -1 + 0.5*-0.6875 / (0.8125 + 0.5))
 *       = (1.125, -1 - 0.34375 / 1.3125) = (1.125, -1 - 11/42)
 *       = (1.125, -53/42) = (1.125, -1.2619047619047619)
 * Round 2: v_1 = (0.75*0.25 + 0.25*0.25, 0.75*0.66015625 + 0)
 *              = (0.25, 0.4951171875),  sqrt(v_1) = (0.5, 0.70364564057485640)
 *   x_2 = (1.125 + 0.5*-0.125 / 1, -53/42 + 0.5*-0.34375 / 1.2036456405748564)
 *       = (1.0625, -1.2619047619047619 - 0.14279535...)
 *       = (1.0625, -1.4047001114711951)
 */
static void test_fedadam_two_rounds(void)
{
    double x[2] = { 1, -1 }, state[5] = { 0 };
    CHECK_INT(hl_agg_fedadam.state_size(2), 5);
    fedopt_round(&hl_agg_fedadam, x, state, r1_da, r1_db);
    CHECK_NEAR(state[0], 0.25, TOL);
    CHECK_NEAR(state[1], -0.6875, TOL);
    CHECK_NEAR(state[2], 0.25, TOL);
    CHECK_NEAR(state[3], 0.66015625, TOL);
    CHECK_NEAR(state[4], 1, 0);
    CHECK_NEAR(x[0], 1.125, TOL);
    CHECK_NEAR(x[1], -53.0 / 42, TOL);
    fedopt_round(&hl_agg_fedadam, x, state, r2_da, r2_db);
    CHECK_NEAR(state[0], -0.125, TOL);
    CHECK_NEAR(state[1], -0.34375, TOL);
    CHECK_NEAR(state[2], 0.25, TOL);
    CHECK_NEAR(state[3], 0.4951171875, TOL);
    CHECK_NEAR(state[4], 2, 0);
    CHECK_NEAR(x[0], 1.0625, TOL);
    CHECK_NEAR(x[1], -1.4047001114711951, TOL);
}

/*
 * FedYogi: v_t = v_{t-1} - 0.25 Delta_t^2 sign(v_{t-1} - Delta_t^2).
 * Round 1: coordinate 0: v_{-1} - Delta^2 = 0.25 - 0.25 = 0, sign 0, so
 *   v stays 0.25; coordinate 1: 0.25 - 1.890625 < 0, sign -1, so
 *   v = 0.25 + 0.25*1.890625 = 0.72265625, sqrt = 0.85009190679596521.
 *   x_1 = (1 + 0.125 / 1, -1 - 0.34375 / 1.3500919067959652)
 *       = (1.125, -1.2546122958516111)
 * Round 2: coordinate 0: 0.25 - 0.25 = 0 again, v stays 0.25; coordinate
 *   1: Delta^2 = 0, v stays 0.72265625.
 *   x_2 = (1.125 - 0.0625 / 1, -1.2546122958516111 - 0.171875 / 1.3500919067959652)
 *       = (1.0625, -1.3819184437774166)
 */
static void test_fedyogi_two_rounds(void)
{
    double x[2] = { 1, -1 }, state[5] = { 0 };
    fedopt_round(&hl_agg_fedyogi, x, state, r1_da, r1_db);
    CHECK_NEAR(state[0], 0.25, TOL);
    CHECK_NEAR(state[1], -0.6875, TOL);
    CHECK_NEAR(state[2], 0.25, TOL);
    CHECK_NEAR(state[3], 0.72265625, TOL);
    CHECK_NEAR(x[0], 1.125, TOL);
    CHECK_NEAR(x[1], -1.2546122958516111, TOL);
    fedopt_round(&hl_agg_fedyogi, x, state, r2_da, r2_db);
    CHECK_NEAR(state[0], -0.125, TOL);
    CHECK_NEAR(state[1], -0.34375, TOL);
    CHECK_NEAR(state[2], 0.25, TOL);
    CHECK_NEAR(state[3], 0.72265625, TOL);
    CHECK_NEAR(state[4], 2, 0);
    CHECK_NEAR(x[0], 1.0625, TOL);
    CHECK_NEAR(x[1], -1.3819184437774166, TOL);
}

/*
 * FedAdagrad: v_t = v_{t-1} + Delta_t^2 (beta1 still 0.5, beta2 unused).
 * Round 1: v_0 = (0.25 + 0.25, 0.25 + 1.890625) = (0.5, 2.140625),
 *   sqrt(v_0) = (0.70710678118654752, 1.4630874888399531)
 *   x_1 = (1 + 0.125 / 1.2071067811865475, -1 - 0.34375 / 1.9630874888399531)
 *       = (1.1035533905932738, -1.1751068161527188)
 * Round 2: v_1 = (0.5 + 0.25, 2.140625 + 0) = (0.75, 2.140625),
 *   sqrt(v_1) = (0.86602540378443865, 1.4630874888399531)
 *   x_2 = (1.1035533905932738 - 0.0625 / 1.3660254037844386,
 *          -1.1751068161527188 - 0.171875 / 1.9630874888399531)
 *       = (1.0578002151202189, -1.2626602242290781)
 */
static void test_fedadagrad_two_rounds(void)
{
    double x[2] = { 1, -1 }, state[5] = { 0 };
    fedopt_round(&hl_agg_fedadagrad, x, state, r1_da, r1_db);
    CHECK_NEAR(state[0], 0.25, TOL);
    CHECK_NEAR(state[1], -0.6875, TOL);
    CHECK_NEAR(state[2], 0.5, TOL);
    CHECK_NEAR(state[3], 2.140625, TOL);
    CHECK_NEAR(x[0], 1.1035533905932738, TOL);
    CHECK_NEAR(x[1], -1.1751068161527188, TOL);
    fedopt_round(&hl_agg_fedadagrad, x, state, r2_da, r2_db);
    CHECK_NEAR(state[0], -0.125, TOL);
    CHECK_NEAR(state[1], -0.34375, TOL);
    CHECK_NEAR(state[2], 0.75, TOL);
    CHECK_NEAR(state[3], 2.140625, TOL);
    CHECK_NEAR(x[0], 1.0578002151202189, TOL);
    CHECK_NEAR(x[1], -1.2626602242290781, TOL);
}

/*
 * Cross-check with Flower's formulas (flwr/server/strategy/fedadam.py,
 * fedyogi.py): they start m and v at 0 rather than v at tau^2.  A state
 * that says one step was taken with m = v = 0 makes our code run exactly
 * their update on the same round 1:
 *   Adam: v_0 = 0.25 Delta_0^2 = (0.0625, 0.47265625), sqrt = (0.25, 0.6875)
 *   x_1 = (1 + 0.125 / 0.75, -1 - 0.34375 / 1.1875) = (7/6, -1 - 11/38)
 *       = (1.1666666666666667, -1.2894736842105263)
 *   Yogi: sign(0 - Delta^2) = -1 in both coordinates, the same v_0, the
 *   same x_1.
 * (Against our own start x_1 = (1.125, -1.2619...): the v_{-1} = tau^2 of
 * Algorithm 2 damps the first step.)
 */
static void test_fedopt_flower_crosscheck(void)
{
    double x[2] = { 1, -1 }, state[5] = { 0, 0, 0, 0, 1 };
    fedopt_round(&hl_agg_fedadam, x, state, r1_da, r1_db);
    CHECK_NEAR(state[2], 0.0625, TOL);
    CHECK_NEAR(state[3], 0.47265625, TOL);
    CHECK_NEAR(x[0], 7.0 / 6, TOL);
    CHECK_NEAR(x[1], -49.0 / 38, TOL);

    double y[2] = { 1, -1 }, ystate[5] = { 0, 0, 0, 0, 1 };
    fedopt_round(&hl_agg_fedyogi, y, ystate, r1_da, r1_db);
    CHECK_NEAR(y[0], 7.0 / 6, TOL);
    CHECK_NEAR(y[1], -49.0 / 38, TOL);
}

/* Every node returns the global model: Delta = 0, m stays 0, v decays
 * from tau^2 (0.99 * 1e-6 after one round), the model does not move and
 * nothing is NaN.  With tau = 0 (refused by the options, but the code
 * must not divide 0 by 0) v becomes 0 and the step is still 0. */
static void test_fedadam_zero_variance(void)
{
    const double g0[] = { 0.5, -2 };
    const double *models[] = { g0, g0, g0 };
    double x[2] = { 0.5, -2 }, state[5] = { 0 };
    for (int r = 0; r < 3; r++)
        CHECK_INT(hl_agg_fedadam.aggregate(&defaults, x, models, NULL, 3, 2, state, x), 0);
    CHECK(x[0] == 0.5 && x[1] == -2);
    CHECK(state[0] == 0 && state[1] == 0);
    CHECK_NEAR(state[2], 0.99 * 0.99 * 0.99 * 1e-6, 1e-20);

    HlAggConfig c0 = defaults;
    c0.tau = 0;
    double z[2] = { 0.5, -2 }, zstate[5] = { 0 };
    for (int r = 0; r < 2; r++) {
        CHECK_INT(hl_agg_fedadam.aggregate(&c0, z, models, NULL, 3, 2, zstate, z), 0);
        CHECK_INT(hl_agg_fedyogi.aggregate(&c0, z, models, NULL, 3, 2, zstate, z), 0);
        CHECK_INT(hl_agg_fedadagrad.aggregate(&c0, z, models, NULL, 3, 2, zstate, z), 0);
    }
    CHECK(z[0] == 0.5 && z[1] == -2);
    CHECK(!isnan(zstate[2]) && !isnan(zstate[3]));
}

/* m = 0: -1, and neither out nor the state (not even the step count)
 * changes. */
static void test_fedopt_refuses(void)
{
    double x[2] = { 1, 2 }, state[5] = { 0 };
    const double *models[] = { x };
    CHECK_INT(hl_agg_fedadam.aggregate(&defaults, x, models, NULL, 0, 2, state, x), -1);
    CHECK(x[0] == 1 && x[1] == 2);
    CHECK(state[2] == 0 && state[4] == 0);
}

/* ---- median / trimmed mean ------------------------------------------- */

/* Odd m = 5, coordinate 0: 3, -1, 100, 2, 0 -> sorted -1 0 2 3 100 -> 2;
 * coordinate 1: 5 each -> 5; coordinate 2: 1, NaN, 2, 3, 4 -> NaN sorts
 * last: 1 2 3 4 NaN -> 3.  Weights are ignored (a weight of 1000 on the
 * outlier changes nothing). */
static void test_median_odd(void)
{
    const double a[] = { 3, 5, 1 }, b[] = { -1, 5, NAN }, c[] = { 100, 5, 2 }, d[] = { 2, 5, 3 },
                 e[] = { 0, 5, 4 }, g[] = { 0, 0, 0 };
    const double *models[] = { a, b, c, d, e };
    const double w[] = { 1, 1, 1000, 1, 1 };
    double out[3];
    CHECK_INT(hl_agg_median.aggregate(&defaults, g, models, w, 5, 3, NULL, out), 0);
    CHECK(out[0] == 2);
    CHECK(out[1] == 5);
    CHECK(out[2] == 3);
}

/* Even m = 4: 4, 1, 3, 10 -> sorted 1 3 4 10 -> (3 + 4) / 2 = 3.5;
 * -2, -2, 7, -2 -> -2 -2 -2 7 -> -2; 1e308, 1e308, 1e308, 1e308 -> 1e308
 * (halves added, so no overflow to inf).  m = 1 gives the model itself. */
static void test_median_even(void)
{
    const double a[] = { 4, -2, 1e308 }, b[] = { 1, -2, 1e308 }, c[] = { 3, 7, 1e308 },
                 d[] = { 10, -2, 1e308 }, g[] = { 0, 0, 0 };
    const double *models[] = { a, b, c, d };
    double out[3];
    CHECK_INT(hl_agg_median.aggregate(&defaults, g, models, NULL, 4, 3, NULL, out), 0);
    CHECK(out[0] == 3.5);
    CHECK(out[1] == -2);
    CHECK(out[2] == 1e308);
    CHECK_INT(hl_agg_median.aggregate(&defaults, g, models, NULL, 1, 3, NULL, out), 0);
    CHECK(out[0] == 4 && out[1] == -2);
    CHECK_INT(hl_agg_median.aggregate(&defaults, g, models, NULL, 0, 3, NULL, out), -1);
}

/* trim_fraction 0.2 on m = 5: b = floor(0.2 * 5) = 1 dropped at each end.
 *   coordinate 0: 3, -1, 100, 2, 0 -> drop -1 and 100 -> (0 + 2 + 3) / 3 = 5/3
 *   coordinate 1: 10, 20, 30, 40, -1000 -> drop -1000 and 40 -> 60 / 3 = 20
 * trim_fraction 0.1: b = floor(0.5) = 0, the plain mean:
 *   (3 - 1 + 100 + 2 + 0) / 5 = 20.8,  (10 + 20 + 30 + 40 - 1000) / 5 = -180
 * trim_fraction 0.49: b = floor(2.45) = 2 -> the median: 2 and 20. */
static void test_trimmed_mean(void)
{
    const double a[] = { 3, 10 }, b[] = { -1, 20 }, c[] = { 100, 30 }, d[] = { 2, 40 },
                 e[] = { 0, -1000 }, g[] = { 0, 0 };
    const double *models[] = { a, b, c, d, e };
    HlAggConfig cfg = defaults;
    double out[2];
    cfg.trim_fraction = 0.2;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, 5, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 5.0 / 3, TOL);
    CHECK_NEAR(out[1], 20.0, TOL);
    cfg.trim_fraction = 0.1;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, 5, 2, NULL, out), 0);
    CHECK_NEAR(out[0], 20.8, TOL);
    CHECK_NEAR(out[1], -180.0, TOL);
    cfg.trim_fraction = 0.49;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, 5, 2, NULL, out), 0);
    CHECK(out[0] == 2 && out[1] == 20);
}

/* The trim count b = floor(trim_fraction * m) on m = 100 nodes, node i
 * holding i^2 (given in reverse order, for the selection):
 *   0.29: 0.29 * 100 is 28.999999999999996 in binary, but b must be 29:
 *         kept 29^2 .. 70^2, sum S(70) - S(28) = 116795 - 7714 = 109081
 *         (S(n) = n(n+1)(2n+1)/6), mean 109081 / 42 = 2597.1666666666667
 *         (b = 28 would keep 28^2 .. 71^2: 114906 / 44 = 2611.5)
 *   0:    the plain mean S(99) / 100 = 328350 / 100 = 3283.5
 *   0.5:  outside the option's range, clamped to b = (m - 1) / 2 = 49:
 *         kept 49^2 and 50^2, mean (2401 + 2500) / 2 = 2450.5 */
static void test_trimmed_mean_count(void)
{
    enum { M = 100 };
    double store[M], g[1] = { 0 }, out[1];
    const double *models[M];
    for (int i = 0; i < M; i++) {
        store[M - 1 - i] = (double)i * i;
        models[i] = &store[i];
    }
    HlAggConfig cfg = defaults;
    cfg.trim_fraction = 0.29;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, M, 1, NULL, out), 0);
    CHECK_NEAR(out[0], 109081.0 / 42, 1e-9);
    cfg.trim_fraction = 0;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, M, 1, NULL, out), 0);
    CHECK_NEAR(out[0], 3283.5, 1e-9);
    cfg.trim_fraction = 0.5;
    CHECK_INT(hl_agg_trimmed_mean.aggregate(&cfg, g, models, NULL, M, 1, NULL, out), 0);
    CHECK_NEAR(out[0], 2450.5, 1e-9);
}

/* ---- krum ------------------------------------------------------------ */

/*
 * Five models, the outlier o = (10, 10) first, then four honest ones
 * h0 = (0, 0), h1 = (1, 0), h2 = (0, 2), h3 = (1, 1).  f = 1, so each
 * score sums the n - f - 2 = 2 smallest squared distances to the others.
 *   squared distances: h0-h1 1, h0-h2 4, h0-h3 2, h1-h2 5, h1-h3 1,
 *   h2-h3 2, o-h0 200, o-h1 181, o-h2 164, o-h3 162
 *   score(o)  = 162 + 164 = 326
 *   score(h0) = 1 + 2 = 3     (of 1, 4, 2, 200)
 *   score(h1) = 1 + 1 = 2     (of 1, 5, 1, 181)
 *   score(h2) = 2 + 4 = 6     (of 4, 5, 2, 164)
 *   score(h3) = 1 + 2 = 3     (of 2, 1, 2, 162)
 * Krum picks h1 = (1, 0).  The default f (-1) for n = 5 is the largest
 * with 5 > 2f + 2, f = 1: the same.
 */
static void test_krum_outlier(void)
{
    const double o[] = { 10, 10 }, h0[] = { 0, 0 }, h1[] = { 1, 0 }, h2[] = { 0, 2 },
                 h3[] = { 1, 1 }, g[] = { 0, 0 };
    const double *models[] = { o, h0, h1, h2, h3 };
    const double w[] = { 100, 1, 1, 1, 1 };
    HlAggConfig cfg = defaults;
    double out[2] = { -1, -1 };
    cfg.byzantine = 1;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, w, 5, 2, NULL, out), 0);
    CHECK(out[0] == 1 && out[1] == 0);
    cfg.byzantine = -1;
    out[0] = out[1] = -1;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 5, 2, NULL, out), 0);
    CHECK(out[0] == 1 && out[1] == 0);
}

/* n <= 2f + 2 is refused and out is untouched: n = 4 with f = 1 (4 <= 4),
 * n = 2 with the default (no f >= 0 has 2 > 2f + 2), n = 0.  n = 3 with
 * the default takes f = 0 and one neighbour: (0,0)-(1,0) 1, (0,0)-(5,0)
 * 25, (1,0)-(5,0) 16: scores 1, 1, 16, the tie goes to the lowest index. */
static void test_krum_refuses(void)
{
    const double a[] = { 0, 0 }, b[] = { 1, 0 }, c[] = { 5, 0 }, d[] = { 9, 9 }, g[] = { 0, 0 };
    const double *models[] = { a, b, c, d };
    HlAggConfig cfg = defaults;
    double out[2] = { 42, 42 };
    cfg.byzantine = 1;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 4, 2, NULL, out), -1);
    cfg.byzantine = -1;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 2, 2, NULL, out), -1);
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 0, 2, NULL, out), -1);
    CHECK(out[0] == 42 && out[1] == 42);
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 3, 2, NULL, out), 0);
    CHECK(out[0] == 0 && out[1] == 0);
}

/* The corners of the unit square, in the order (1,1), (0,0), (1,0), (0,1),
 * plus (0.5, 0.5) last; f = 1, 2 neighbours.  Each corner has the centre
 * at 0.5 and two corners at 1: score 0.5 + 1 = 1.5; the centre has four
 * corners at 0.5: score 1.  The centre wins; without it (n = 4, f = 0,
 * 2 neighbours) every corner scores 1 + 1 = 2 and the first, (1,1), wins. */
static void test_krum_ties(void)
{
    const double a[] = { 1, 1 }, b[] = { 0, 0 }, c[] = { 1, 0 }, d[] = { 0, 1 },
                 e[] = { 0.5, 0.5 }, g[] = { 0, 0 };
    const double *models[] = { a, b, c, d, e };
    HlAggConfig cfg = defaults;
    double out[2];
    cfg.byzantine = 1;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 5, 2, NULL, out), 0);
    CHECK(out[0] == 0.5 && out[1] == 0.5);
    cfg.byzantine = 0;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, g, models, NULL, 4, 2, NULL, out), 0);
    CHECK(out[0] == 1 && out[1] == 1);
}

/* ---- registry, aliasing, selection ----------------------------------- */

static void test_registry(void)
{
    static const char *const names[] = { "fedavg", "fedprox", "fedadam", "fedyogi",
                                         "fedadagrad", "median", "trimmed_mean", "krum" };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const HlAggOps *ops = hl_agg_find(names[i]);
        CHECK(ops != NULL);
        if (ops)
            CHECK_STR(ops->name, names[i]);
    }
    CHECK(hl_agg_find("fedavg") == &hl_agg_fedavg);
    CHECK(hl_agg_find("FedAdam") == &hl_agg_fedadam);
    CHECK(hl_agg_find("fedprox") == &hl_agg_fedprox);
    CHECK(hl_agg_find("fedsgd") == NULL);
    CHECK(hl_agg_find("") == NULL);
    CHECK(hl_agg_find(NULL) == NULL);
    CHECK_INT(hl_agg_fedavg.state_size(1000), 0);
    CHECK_INT(hl_agg_krum.state_size(1000), 0);
    CHECK_INT(hl_agg_fedyogi.state_size(1000), 2001);
    CHECK_INT(hl_agg_fedadagrad.state_size(0), 1);
}

/* out == global: fedavg of (2, 4) and (4, 8) into the global buffer is
 * (3, 6); fedadam from x = (1, 1) with default beta1 0.9, beta2 0.99,
 * tau 1e-3, eta 0.1 and both models (2, 1): Delta = (1, 0),
 * m = (0.1, 0), v = (0.99e-6 + 0.01, 0.99e-6),
 * x = (1 + 0.1 * 0.1 / (sqrt(0.01000099) + 0.001), 1)
 *   = (1 + 0.01 / 0.10100494987749356, 1) = (1.0990050488825425, 1);
 * median and krum of (2, 4), (4, 8), (100, 100) -> (4, 8) and krum with
 * f = 0 picks the first of the tied pair (2, 4). */
static void test_alias_out_global(void)
{
    const double a[] = { 2, 4 }, b[] = { 4, 8 }, c[] = { 100, 100 };
    const double *models[] = { a, b, c };
    double x[2] = { 0, 0 };
    CHECK_INT(hl_agg_fedavg.aggregate(&defaults, x, models, NULL, 2, 2, NULL, x), 0);
    CHECK(x[0] == 3 && x[1] == 6);

    const double s[] = { 2, 1 };
    const double *same[] = { s, s };
    double y[2] = { 1, 1 }, state[5] = { 0 };
    CHECK_INT(hl_agg_fedadam.aggregate(&defaults, y, same, NULL, 2, 2, state, y), 0);
    CHECK_NEAR(y[0], 1 + 0.01 / (sqrt(0.01000099) + 0.001), TOL);
    CHECK_NEAR(y[0], 1.0990050488825425, TOL);
    CHECK(y[1] == 1);

    double z[2] = { 7, 7 };
    CHECK_INT(hl_agg_median.aggregate(&defaults, z, models, NULL, 3, 2, NULL, z), 0);
    CHECK(z[0] == 4 && z[1] == 8);
    HlAggConfig cfg = defaults;
    cfg.byzantine = 0;
    z[0] = z[1] = 7;
    CHECK_INT(hl_agg_krum.aggregate(&cfg, z, models, NULL, 3, 2, NULL, z), 0);
    CHECK(z[0] == 2 && z[1] == 4);
}

/* hl_agg_select against the k-th value of a sorted copy (insertion sort
 * here, written independently), on inputs that defeat naive pivots:
 * sorted, reversed, all equal, organ pipe, few distinct values, with NaN
 * and -0.0.  Also the order itself: NaN after +inf, -0.0 == 0.0. */
static void insertion_sort(double *a, int n)
{
    for (int i = 1; i < n; i++) {
        double t = a[i];
        int j = i;
        while (j > 0 && hl_agg_less(t, a[j - 1])) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = t;
    }
}

static int same_value(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static void test_select(void)
{
    CHECK(hl_agg_less(INFINITY, NAN));
    CHECK(!hl_agg_less(NAN, INFINITY));
    CHECK(!hl_agg_less(NAN, NAN));
    CHECK(!hl_agg_less(-0.0, 0.0) && !hl_agg_less(0.0, -0.0));
    CHECK(hl_agg_less(-INFINITY, -1e308));

    enum { N = 301 };
    double a[N], ref[N], work[N];
    int bad = 0;
    for (int shape = 0; shape < 7; shape++) {
        for (int i = 0; i < N; i++) {
            switch (shape) {
            case 0: a[i] = i; break;
            case 1: a[i] = N - i; break;
            case 2: a[i] = 3; break;
            case 3: a[i] = i < N / 2 ? i : N - i; break;
            case 4: a[i] = (i * 7) % 3; break;
            case 5: a[i] = i % 10 == 0 ? NAN : (double)((i * 37) % 101) - 50; break;
            default: a[i] = i % 2 ? -0.0 : (i % 3 ? 1 : -1); break;
            }
        }
        memcpy(ref, a, sizeof a);
        insertion_sort(ref, N);
        for (int k = 0; k < N; k += 7) {
            memcpy(work, a, sizeof a);
            hl_agg_select(work, N, k);
            if (!same_value(work[k], ref[k]))
                bad++;
            for (int i = 0; i < k; i++)
                if (hl_agg_less(work[k], work[i]))
                    bad++;
            for (int i = k + 1; i < N; i++)
                if (hl_agg_less(work[i], work[k]))
                    bad++;
        }
        memcpy(work, a, sizeof a);
        hl_agg_sort(work, N);
        for (int i = 0; i < N; i++)
            if (!same_value(work[i], ref[i]))
                bad++;
    }
    CHECK_INT(bad, 0);
    double one[1] = { 5 };
    hl_agg_select(one, 1, 0);
    CHECK(one[0] == 5);
}

int main(void)
{
    RUN(test_fedavg_weighted);
    RUN(test_fedavg_equal_weights);
    RUN(test_fednova_by_hand);
    RUN(test_fedavg_precision);
    RUN(test_fedavg_refuses);
    RUN(test_fedadam_two_rounds);
    RUN(test_fedyogi_two_rounds);
    RUN(test_fedadagrad_two_rounds);
    RUN(test_fedopt_flower_crosscheck);
    RUN(test_fedadam_zero_variance);
    RUN(test_fedopt_refuses);
    RUN(test_median_odd);
    RUN(test_median_even);
    RUN(test_trimmed_mean);
    RUN(test_trimmed_mean_count);
    RUN(test_krum_outlier);
    RUN(test_krum_refuses);
    RUN(test_krum_ties);
    RUN(test_registry);
    RUN(test_alias_out_global);
    RUN(test_select);
    return unit_report();
}
