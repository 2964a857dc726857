/* privacy.c - differential privacy of a training run; see privacy.h. */
#include "privacy.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dp/rdp.h"
#include "engine_int.h"
#include "helios.h"
#include "json.h"
#include "options.h"
#include "catalog.h"
#include "ledger.h"

/* ---- the accountant's order grid ------------------------------------------------ */

static double grid[HL_RDP_NORDERS];
static pthread_once_t grid_once = PTHREAD_ONCE_INIT;

static void grid_init(void)
{
    hl_rdp_default_orders(grid);
}

static const double *default_orders(int *n)
{
    pthread_once(&grid_once, grid_init);
    *n = HL_RDP_NORDERS;
    return grid;
}

/* ---- settings ------------------------------------------------------------------ */

int hl_dp_plan_read(const char *ws_opts, HlDpPlan *dp, hl_err *err)
{
    (void)err;
    memset(dp, 0, sizeof *dp);
    double budget = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_budget", NAN);
    if (!(budget > 0))
        return HELIOS_OK;
    char *mech = hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, "noise_mechanism");
    char *level = hl_eng_opt_str(HL_OBJ_WORKSPACE, ws_opts, "dp_level");
    dp->mechanism = mech && strcmp(mech, "laplacian") == 0 ? HL_DP_LAPLACE : HL_DP_GAUSSIAN;
    dp->level = level && strcmp(level, "node") == 0 ? HL_DP_NODE : HL_DP_RECORD;
    free(mech);
    free(level);
    dp->budget = budget;
    dp->per_round = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_per_round", 0);
    dp->delta = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "delta", 0);
    dp->delta_given = dp->delta > 0;
    dp->sigma = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "noise_multiplier", 0);
    dp->sigma_given = dp->sigma > 0;
    dp->clip = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "clipping_threshold", 1.0);
    dp->adaptive = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "adaptive_clipping", 0) != 0;
    dp->quantile = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "adaptive_clipping_quantile",
                                  HL_DP_ADAPTIVE_TARGET);
    dp->clip_lr = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "adaptive_clipping_learning_rate",
                                 HL_DP_ADAPTIVE_LR);
    dp->count_stddev = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts,
                                      "adaptive_clipping_count_stddev", -1);
    return HELIOS_OK;
}

/* ---- what a round costs -------------------------------------------------------- */

void hl_dp_round_cost_clear(HlDpRoundCost *c)
{
    if (!c)
        return;
    free(c->rdp);
    memset(c, 0, sizeof *c);
}

int hl_dp_round_cost(const HlDpPlan *dp, const HlDpShape *sh, double sigma,
                     HlDpRoundCost *cost, hl_err *err)
{
    int norders;
    const double *orders = default_orders(&norders);
    memset(cost, 0, sizeof *cost);
    cost->norders = norders;
    cost->rdp = calloc((size_t)norders, sizeof *cost->rdp);
    double *one = calloc((size_t)norders, sizeof *one);
    if (!cost->rdp || !one) {
        free(one);
        hl_dp_round_cost_clear(cost);
        return hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    }
    int rc = HL_DP_OK;
    if (dp->level == HL_DP_NODE) {
        int k = sh->per_round > 0 && sh->per_round < sh->nnodes ? sh->per_round : sh->nnodes;
        cost->q = sh->nnodes > 0 ? (double)k / sh->nnodes : 1.0;
        cost->steps = 1;
        if (dp->mechanism == HL_DP_LAPLACE)
            rc = hl_dp_laplace_epsilon(sigma, cost->q, 1, &cost->pure);
        else
            rc = hl_rdp_add(cost->rdp, orders, norders, cost->q, sigma, 1);
    } else {
        for (int i = 0; rc == HL_DP_OK && i < sh->nnodes; i++) {
            if (sh->rows[i] <= 0)
                continue;
            int n = sh->rows[i] > INT32_MAX ? INT32_MAX : (int)sh->rows[i];
            double q = hl_train_dp_sample_rate(sh->cfg, n);
            long steps = hl_train_dp_steps(sh->cfg, n);
            if (dp->mechanism == HL_DP_LAPLACE) {
                double e = 0;
                rc = hl_dp_laplace_epsilon(sigma, q, steps, &e);
                if (rc == HL_DP_OK && e >= cost->pure) {
                    cost->pure = e;
                    cost->q = q;
                    cost->steps = steps;
                }
            } else {
                memset(one, 0, sizeof *one * (size_t)norders);
                rc = hl_rdp_add(one, orders, norders, q, sigma, steps);
                for (int k = 0; rc == HL_DP_OK && k < norders; k++)
                    if (one[k] > cost->rdp[k])
                        cost->rdp[k] = one[k];
                /* the ledger shows the node that samples most */
                if (rc == HL_DP_OK && q * (double)steps >= cost->q * (double)cost->steps) {
                    cost->q = q;
                    cost->steps = steps;
                }
            }
        }
    }
    free(one);
    if (rc != HL_DP_OK) {
        hl_dp_round_cost_clear(cost);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "the privacy accountant cannot cost a round at noise_multiplier %g: %s",
                          sigma, hl_dp_strerror(rc));
    }
    return HELIOS_OK;
}

double hl_dp_epsilon_of(const double *rdp, int norders, double pure, double delta,
                        int gaussian)
{
    /* Not "all RDP zero": a Gaussian round of huge noise may round to 0,
     * and still costs the conversion's floor (about 0.1 at delta 1e-5). */
    if (!gaussian)
        return pure;                    /* Laplace only: basic composition */
    int n;
    const double *orders = default_orders(&n);
    double *v = malloc(sizeof *v * (size_t)norders);
    if (!v || n != norders) {
        free(v);
        return INFINITY;
    }
    for (int k = 0; k < norders; k++)
        v[k] = rdp[k] + pure;           /* pure e-DP is (alpha, e)-RDP */
    double eps = INFINITY;
    if (hl_rdp_to_epsilon(orders, v, norders, delta, &eps, NULL) != HL_DP_OK)
        eps = INFINITY;
    free(v);
    return eps;
}

/* ---- calibration ----------------------------------------------------------------- */

/* epsilon after `rounds` more rounds at sigma, on top of `spent`. */
static double total_after(const HlDpPlan *dp, const HlDpShape *sh, const HlCatSpent *spent,
                          double sigma, int rounds, hl_err *err)
{
    HlDpRoundCost c;
    if (hl_dp_round_cost(dp, sh, sigma, &c, err) != HELIOS_OK)
        return NAN;
    double *v = malloc(sizeof *v * (size_t)c.norders);
    if (!v) {
        hl_dp_round_cost_clear(&c);
        return NAN;
    }
    for (int k = 0; k < c.norders; k++)
        v[k] = spent->rdp[k] + rounds * c.rdp[k];
    double pure = spent->pure_epsilon + rounds * c.pure;
    double delta = dp->delta;
    if (spent->rounds > 0 && spent->min_delta < delta)
        delta = spent->min_delta;
    double eps = hl_dp_epsilon_of(v, c.norders, pure, delta,
                                  spent->gaussian_rounds > 0 || dp->mechanism == HL_DP_GAUSSIAN);
    free(v);
    hl_dp_round_cost_clear(&c);
    return eps;
}

int hl_dp_resolve(sqlite3 *db, int64_t ws_id, HlDpPlan *dp, const HlDpShape *sh, int rounds,
                  hl_err *err)
{
    if (dp->mechanism == HL_DP_NONE)
        return HELIOS_OK;
    if (!dp->delta_given) {
        double n = 0;
        if (dp->level == HL_DP_NODE)
            n = sh->nnodes;
        else
            for (int i = 0; i < sh->nnodes; i++)
                n += (double)sh->rows[i];
        dp->delta = n > 0 && 0.1 / n < 1e-5 ? 0.1 / n : 1e-5;
    }
    if (dp->sigma_given)
        return HELIOS_OK;
    int norders;
    (void)default_orders(&norders);
    HlCatSpent spent;
    int rc = hl_cat_privacy_spent(db, ws_id, norders, &spent, err);
    if (rc != HELIOS_OK)
        return rc;
    double target = dp->budget;
    if (spent.cumulative_epsilon >= dp->budget * (1 - 1e-6)) {
        double used = spent.cumulative_epsilon;
        hl_cat_spent_clear(&spent);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "the workspace's privacy budget is spent: epsilon %.6g of %g consumed; raise privacy_budget to train again",
                          used, dp->budget);
    }
    /* privacy_per_round p: the average a round may spend, so as many
     * rounds as the rest of the budget holds at p must fit (Renyi
     * composition makes later rounds cheaper than the first: the average,
     * not each round, is what adds up). */
    if (dp->per_round > 0)
        rounds = (int)fmin(1e6, floor((dp->budget - spent.cumulative_epsilon) / dp->per_round
                                      + 1e-9));
    if (rounds < 1)
        rounds = 1;
    dp->rounds_fit = rounds;
    /* Bracket: eps decreases as sigma grows.  Then bisect in log space to a
     * relative 1e-9, keeping the upper end (which fits). */
    double lo = 0.01, hi = 1.0, e;
    int k = 0;
    while ((e = total_after(dp, sh, &spent, hi, rounds, err)) > target
           && k++ < 60)
        hi *= 2;
    if (!(e <= target)) {
        double used = spent.cumulative_epsilon;
        hl_cat_spent_clear(&spent);
        if (used >= dp->budget)
            return hl_err_set(err, HELIOS_ERROR, -1,
                              "the workspace's privacy budget is spent: %g of epsilon %g consumed; raise privacy_budget to train again",
                              used, dp->budget);
        return hl_err_set(err, HELIOS_ERROR, -1,
                          "no noise_multiplier lets %d round%s fit in epsilon %g (%g already consumed); with Gaussian noise epsilon cannot go below about 0.1 at delta 1e-5 (the accountant's largest order is 63)",
                          rounds, rounds == 1 ? "" : "s", target, used);
    }
    if (total_after(dp, sh, &spent, lo, rounds, err) <= target)
        hi = lo;
    else
        for (int it = 0; it < 200 && hi / lo > 1 + 1e-9; it++) {
            double mid = sqrt(lo * hi);
            if (total_after(dp, sh, &spent, mid, rounds, err) <= target)
                hi = mid;
            else
                lo = mid;
        }
    dp->sigma = hi;
    hl_cat_spent_clear(&spent);
    return HELIOS_OK;
}

/* ---- spending ---------------------------------------------------------------------- */

int hl_dp_spend(sqlite3 *db, const HlDpSpendCtx *ctx, const HlDpPlan *dp,
                const HlDpRoundCost *cost, double clip, double *added, hl_err *err)
{
    *added = 0;
    int rc = hl_cat_begin(db, err);
    if (rc != HELIOS_OK)
        return rc;
    HlCatSpent spent;
    char *ws_opts = NULL;
    rc = hl_cat_privacy_spent(db, ctx->ws_id, cost->norders, &spent, err);
    if (rc == HELIOS_OK)
        rc = hl_cat_workspace_options(db, ctx->ws_id, &ws_opts, err);
    double budget = rc == HELIOS_OK
                    ? hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_budget", NAN) : NAN;
    if (rc == HELIOS_OK && !(budget > 0))
        rc = hl_err_set(err, HELIOS_ERROR, -1,
                        "workspace privacy_budget was removed while model '%s' trained with differential privacy",
                        ctx->model);
    double before = 0, after = 0;
    double *v = NULL;
    if (rc == HELIOS_OK && !(v = malloc(sizeof *v * (size_t)cost->norders)))
        rc = hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    if (rc == HELIOS_OK) {
        double delta = dp->delta;
        if (spent.rounds > 0 && spent.min_delta < delta)
            delta = spent.min_delta;
        before = spent.cumulative_epsilon;
        for (int k = 0; k < cost->norders; k++)
            v[k] = spent.rdp[k] + cost->rdp[k];
        after = hl_dp_epsilon_of(v, cost->norders, spent.pure_epsilon + cost->pure, delta,
                                 spent.gaussian_rounds > 0 || dp->mechanism == HL_DP_GAUSSIAN);
        if (!(after <= budget * (1 + 1e-12)))
            rc = hl_err_set(err, HL_DP_EXHAUSTED, -1,
                            "privacy budget exhausted: round %d of model '%s' would raise the workspace's epsilon from %.6g to %.6g, over its privacy_budget of %g",
                            ctx->round, ctx->model, before, after, budget);
    }
    if (rc == HELIOS_OK) {
        HlCatSpend s = {
            .ws_id = ctx->ws_id, .model_id = ctx->model_id, .model_name = ctx->model,
            .run_id = ctx->run_id, .round_number = ctx->round,
            .mechanism = dp->mechanism == HL_DP_LAPLACE ? "laplacian" : "gaussian",
            .dp_level = dp->level == HL_DP_NODE ? "node" : "record",
            .noise_multiplier = dp->sigma, .clipping_threshold = clip,
            .sample_rate = cost->q > 0 ? cost->q : 1, .steps = cost->steps, .delta = dp->delta,
            .rdp = dp->mechanism == HL_DP_LAPLACE ? NULL : cost->rdp, .nrdp = cost->norders,
            .pure_epsilon = cost->pure, .epsilon = after > before ? after - before : 0,
            .cumulative_epsilon = after > before ? after : before,
        };
        rc = hl_cat_privacy_record(db, &s, err);
        *added = s.epsilon;
    }
    free(v);
    hl_cat_spent_clear(&spent);
    free(ws_opts);
    if (rc == HELIOS_OK)
        return hl_cat_commit(db, err);
    hl_cat_rollback(db);
    return rc;
}

int64_t hl_dp_rounds_left(sqlite3 *db, int64_t ws_id, hl_err *err)
{
    char *ws_opts = NULL;
    if (hl_cat_workspace_options(db, ws_id, &ws_opts, err) != HELIOS_OK)
        return -2;
    double budget = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_budget", NAN);
    double per_round = hl_eng_opt_num(HL_OBJ_WORKSPACE, ws_opts, "privacy_per_round", 0);
    free(ws_opts);
    if (!(budget > 0))
        return -1;
    int n;
    (void)default_orders(&n);
    HlCatSpent spent;
    double *last = calloc((size_t)n, sizeof *last), *v = calloc((size_t)n, sizeof *v);
    double pure = 0;
    int found = 0;
    int64_t left = -2;
    if (!last || !v)
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    else if (hl_cat_privacy_spent(db, ws_id, n, &spent, err) == HELIOS_OK) {
        if (hl_cat_privacy_last(db, ws_id, n, last, &pure, &found, err) != HELIOS_OK)
            left = -2;
        else if (!found)
            left = per_round > 0 ? (int64_t)(budget / per_round + 1e-9) : -1;
        else {
            /* The largest k with epsilon(spent + k last) <= budget:
             * doubling, then bisection (epsilon grows with k). */
            double delta = spent.min_delta;
            int64_t lo = 0, hi = 1;
            for (;;) {
                for (int k = 0; k < n; k++)
                    v[k] = spent.rdp[k] + (double)hi * last[k];
                if (hl_dp_epsilon_of(v, n, spent.pure_epsilon + (double)hi * pure, delta,
                                     spent.gaussian_rounds > 0)
                    > budget * (1 + 1e-12) || hi >= ((int64_t)1 << 40))
                    break;
                lo = hi;
                hi *= 2;
            }
            while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2;
                for (int k = 0; k < n; k++)
                    v[k] = spent.rdp[k] + (double)mid * last[k];
                if (hl_dp_epsilon_of(v, n, spent.pure_epsilon + (double)mid * pure, delta,
                                     spent.gaussian_rounds > 0)
                    <= budget * (1 + 1e-12))
                    lo = mid;
                else
                    hi = mid;
            }
            left = lo;
        }
        hl_cat_spent_clear(&spent);
    }
    free(last);
    free(v);
    return left;
}

/* ---- the nodes' side ---------------------------------------------------------------- */

char *hl_dp_train_config(const char *train_config, const HlDpPlan *dp, hl_err *err)
{
    HlJsonObject o;
    if (hl_json_parse_object(train_config, &o, err) != HELIOS_OK)
        return NULL;
    HlJsonWriter w;
    hl_json_writer_init(&w);
    hl_json_begin_object(&w);
    for (int i = 0; i < o.n; i++)
        if (strncmp(o.v[i].key, "dp_", 3) != 0)
            hl_json_member(&w, o.v[i].key, &o.v[i].val);
    if (dp->mechanism != HL_DP_NONE) {
        hl_json_key(&w, "dp_level");
        hl_json_string(&w, dp->level == HL_DP_NODE ? "node" : "record");
        hl_json_key(&w, "dp_mechanism");
        hl_json_string(&w, dp->mechanism == HL_DP_LAPLACE ? "laplacian" : "gaussian");
        hl_json_key(&w, "dp_noise_multiplier");
        hl_json_real(&w, dp->sigma);
        hl_json_key(&w, "dp_clip");
        hl_json_real(&w, dp->clip);
        if (dp->adaptive && dp->level == HL_DP_RECORD) {
            /* the nodes adapt their clip step by step (ml/train.c) */
            hl_json_key(&w, "dp_quantile");
            hl_json_real(&w, dp->quantile);
            hl_json_key(&w, "dp_clip_lr");
            hl_json_real(&w, dp->clip_lr);
            hl_json_key(&w, "dp_count_stddev");
            hl_json_real(&w, dp->count_stddev > 0 ? dp->count_stddev : 0);
        }
    }
    hl_json_end_object(&w);
    hl_json_object_clear(&o);
    char *json = hl_json_writer_finish(&w);
    if (!json)
        hl_err_set(err, HELIOS_NOMEM, -1, "out of memory");
    return json;
}
