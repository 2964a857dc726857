/*
 * test_fedbuff.c - the buffer of asynchronous aggregation (engine/fedbuff.c):
 * FedBuff's staleness scaling s(tau) = 1 / sqrt(1 + tau), the step's mean
 * update against numbers worked out by hand, the drop of updates more than
 * max_staleness steps stale, and the order updates are taken in.
 */
#include "unit.h"

#include <stdlib.h>

#include "fedbuff.h"
#include "helios.h"

/* An update of node `node` trained from `version`, delta (a, b), weight w. */
static HlBuffUpdate upd(int node, int version, double a, double b, double w)
{
    HlBuffUpdate u = { .node = node, .version = version, .weight = w, .rows = (int64_t)w };
    u.delta = malloc(2 * sizeof *u.delta);
    u.delta[0] = a;
    u.delta[1] = b;
    return u;
}

static void test_staleness_weight(void)
{
    CHECK(hl_buff_staleness_weight(0) == 1.0);
    CHECK_NEAR(hl_buff_staleness_weight(1), 0.70710678118654752, 1e-15);
    CHECK_NEAR(hl_buff_staleness_weight(3), 0.5, 1e-16);
    CHECK_NEAR(hl_buff_staleness_weight(8), 1.0 / 3.0, 1e-16);
}

/*
 * Three updates applied to version 5:
 *   d1 = (1, 2)   from version 5 (tau 0, s 1),         w 10
 *   d2 = (4, 0)   from version 2 (tau 3, s 1/2),       w 30
 *   d3 = (-2, 6)  from version 4 (tau 1, s 1/sqrt 2),  w 20
 * mean = (10 (1, 2) + 15 (4, 0) + 20/sqrt2 (-2, 6)) / 60
 *      = ((10 + 60 - 40/sqrt2) / 60, (20 + 120/sqrt2) / 60)
 *      = (0.695262145875635..., 1.747546895706428...)
 * Unweighted (w = 1): (1 + 2 - sqrt2, 2 + 3 sqrt2) / 3, the paper's sum / K.
 */
static void test_mean(void)
{
    HlBuffUpdate u[3] = { upd(0, 5, 1, 2, 10), upd(1, 2, 4, 0, 30), upd(2, 4, -2, 6, 20) };
    double m[2];
    CHECK_INT(hl_buff_mean(u, 3, 5, 2, m), 0);
    CHECK_NEAR(m[0], (70 - 40 / sqrt(2.0)) / 60, 1e-15);
    CHECK_NEAR(m[1], (20 + 120 / sqrt(2.0)) / 60, 1e-15);
    CHECK_NEAR(m[0], 0.695262145875635, 1e-15);
    CHECK_NEAR(m[1], 1.7475468957064282, 1e-15);
    for (int i = 0; i < 3; i++)
        u[i].weight = 1;
    CHECK_INT(hl_buff_mean(u, 3, 5, 2, m), 0);
    CHECK_NEAR(m[0], (3 - sqrt(2.0)) / 3, 1e-15);
    CHECK_NEAR(m[1], (2 + 3 * sqrt(2.0)) / 3, 1e-15);
    /* no weight at all (no rows): each counts 1 */
    for (int i = 0; i < 3; i++)
        u[i].weight = 0;
    CHECK_INT(hl_buff_mean(u, 3, 5, 2, m), 0);
    CHECK_NEAR(m[0], (3 - sqrt(2.0)) / 3, 1e-15);
    CHECK_INT(hl_buff_mean(u, 0, 5, 2, m), -1);
    for (int i = 0; i < 3; i++)
        hl_buff_update_clear(&u[i]);
}

/* max_staleness 2 at version 6: versions 3 (tau 3) and 1 (tau 5) go, 4
 * (tau 2) and 6 stay, in arrival order; then the oldest two are taken. */
static void test_drop_and_take(void)
{
    HlBuff b;
    hl_err e;
    hl_err_clear(&e);
    CHECK_INT(hl_buff_init(&b, 4, &e), HELIOS_OK);
    HlBuffUpdate in[5] = { upd(0, 4, 1, 1, 1), upd(1, 3, 2, 2, 1), upd(2, 6, 3, 3, 1),
                           upd(3, 1, 4, 4, 1), upd(4, 6, 5, 5, 1) };
    for (int i = 0; i < 4; i++)
        CHECK_INT(hl_buff_push(&b, &in[i]), 0);
    CHECK_INT(hl_buff_push(&b, &in[4]), -1);       /* full */
    HlBuffUpdate out[4];
    CHECK_INT(hl_buff_drop_stale(&b, 6, 2, out), 2);
    CHECK_INT(out[0].node, 1);
    CHECK_INT(out[1].node, 3);
    CHECK_INT(b.n, 2);
    CHECK_INT(b.u[0].node, 0);
    CHECK_INT(b.u[1].node, 2);
    hl_buff_update_clear(&out[0]);
    hl_buff_update_clear(&out[1]);
    /* max_staleness 0 keeps only what was trained from the current model */
    CHECK_INT(hl_buff_push(&b, &in[4]), 0);
    CHECK_INT(hl_buff_drop_stale(&b, 6, 0, out), 1);
    CHECK_INT(out[0].node, 0);
    hl_buff_update_clear(&out[0]);
    HlBuffUpdate take[2];
    hl_buff_take(&b, 1, take);
    CHECK_INT(take[0].node, 2);
    CHECK_INT(b.n, 1);
    CHECK_INT(b.u[0].node, 4);
    hl_buff_update_clear(&take[0]);
    hl_buff_free(&b);                               /* frees node 4's */
}

/* rows-weighted loss and the variance between the nodes */
static void test_losses(void)
{
    HlBuffUpdate u[2] = { { .rows = 10, .loss_before = 1.0 }, { .rows = 30, .loss_before = 3.0 } };
    double loss, var;
    hl_buff_losses(u, 2, &loss, &var);
    CHECK_NEAR(loss, (10 * 1.0 + 30 * 3.0) / 40, 1e-15);
    CHECK_NEAR(var, 1.0, 1e-15);
}

int main(void)
{
    RUN(test_staleness_weight);
    RUN(test_mean);
    RUN(test_drop_and_take);
    RUN(test_losses);
    return unit_report();
}
