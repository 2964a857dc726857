/*
 * privacy.c - the privacy accountant as SQL, so that a budget can be
 * planned before it is spent (src/dp/rdp.h does the math):
 *
 *   federated_dp_epsilon(noise_multiplier, sample_rate, steps, delta)
 *       epsilon of `steps` steps of the Poisson-subsampled Gaussian
 *       mechanism: Rényi DP on Opacus' 151 orders, converted with Balle
 *       et al. 2020, Thm. 21; Inf when noise_multiplier is 0
 *   federated_dp_noise_multiplier(target_epsilon, delta, sample_rate, steps)
 *       the smallest noise multiplier whose epsilon is at most
 *       target_epsilon, to a relative 1e-10
 *
 * Arguments by position or as name => value (the front end has turned
 * those into 'name', value pairs).  Deterministic; NULL in any argument
 * gives NULL, as SQL's own functions do; a bad value is an error that names
 * the argument and shows the value ("federated_dp_epsilon(): sample_rate
 * must be in (0, 1], got 1.5").
 */
#include <math.h>
#include <stddef.h>
#include <strings.h>

#include "dp/rdp.h"
#include "sqlfn.h"

typedef enum ArgKind { ARG_NOISE, ARG_RATE, ARG_STEPS, ARG_DELTA, ARG_EPSILON } ArgKind;

/* What each kind of argument must be, for the error message. */
static const char *const arg_domain[] = {
    [ARG_NOISE] = "a finite number >= 0",
    [ARG_RATE] = "in (0, 1]",
    [ARG_STEPS] = "a whole number >= 0",
    [ARG_DELTA] = "in (0, 1)",
    [ARG_EPSILON] = "a finite number > 0",
};

typedef struct DpFn {
    const char *name;
    const char *args[4];
    ArgKind kinds[4];
    void (*compute)(sqlite3_context *ctx, const struct DpFn *f, const double *x);
} DpFn;

static void fail(sqlite3_context *ctx, char *msg)   /* frees msg */
{
    if (msg)
        sqlite3_result_error(ctx, msg, -1);
    else
        sqlite3_result_error_nomem(ctx);
    sqlite3_free(msg);
}

/* A value as the user wrote it, for messages (sqlite3_malloc'd). */
static char *show(sqlite3_value *v)
{
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: return sqlite3_mprintf("%lld", sqlite3_value_int64(v));
    case SQLITE_FLOAT: return sqlite3_mprintf("%.15g", sqlite3_value_double(v));
    case SQLITE_TEXT: return sqlite3_mprintf("'%q'", (const char *)sqlite3_value_text(v));
    case SQLITE_NULL: return sqlite3_mprintf("NULL");
    }
    return sqlite3_mprintf("a blob");
}

/* *x = argument v of kind k; 0 with the error set on ctx when it is not in
 * its domain. */
static int read_arg(sqlite3_context *ctx, const DpFn *f, int i, sqlite3_value *v, double *x)
{
    int t = sqlite3_value_numeric_type(v);
    int ok = t == SQLITE_INTEGER || t == SQLITE_FLOAT;
    double d = sqlite3_value_double(v);
    if (ok) {
        switch (f->kinds[i]) {
        case ARG_NOISE: ok = d >= 0 && d < INFINITY; break;
        case ARG_RATE: ok = d > 0 && d <= 1; break;
        case ARG_DELTA: ok = d > 0 && d < 1; break;
        case ARG_EPSILON: ok = d > 0 && d < INFINITY; break;
        case ARG_STEPS:
            /* 2250.0 from 90 / 0.04 is fine; 9.3e18 does not fit a long */
            ok = t == SQLITE_INTEGER ? sqlite3_value_int64(v) >= 0
                                     : d >= 0 && d == floor(d) && d < 9e18;
            if (t == SQLITE_INTEGER)
                d = (double)sqlite3_value_int64(v);
            break;
        }
    }
    if (ok) {
        *x = d;
        return 1;
    }
    char *got = show(v);
    fail(ctx, sqlite3_mprintf("%s(): %s must be %s, got %s", f->name, f->args[i],
                              arg_domain[f->kinds[i]], got ? got : "?"));
    sqlite3_free(got);
    return 0;
}

/* argv as 4 positional arguments or 4 name, value pairs into vals[0..4) in
 * the order of f->args; 0 with the error set on ctx when neither. */
static int order_args(sqlite3_context *ctx, const DpFn *f, int argc, sqlite3_value **argv,
                      sqlite3_value **vals)
{
    if (argc == 4) {
        for (int i = 0; i < 4; i++)
            vals[i] = argv[i];
        return 1;
    }
    if (argc != 8) {
        fail(ctx, sqlite3_mprintf("%s() takes 4 arguments (%s, %s, %s, %s), by position or as "
                                  "name => value; got %d", f->name, f->args[0], f->args[1],
                                  f->args[2], f->args[3], argc));
        return 0;
    }
    for (int i = 0; i < 4; i++)
        vals[i] = NULL;
    for (int p = 0; p < 8; p += 2) {
        const char *name = (const char *)sqlite3_value_text(argv[p]);
        int k = 0;
        while (k < 4 && !(sqlite3_value_type(argv[p]) == SQLITE_TEXT && name
                          && strcasecmp(name, f->args[k]) == 0))
            k++;
        if (k == 4) {
            char *got = show(argv[p]);
            fail(ctx, sqlite3_mprintf("%s(): unknown argument %s; expected %s, %s, %s or %s",
                                      f->name, got ? got : "?", f->args[0], f->args[1],
                                      f->args[2], f->args[3]));
            sqlite3_free(got);
            return 0;
        }
        if (vals[k]) {
            fail(ctx, sqlite3_mprintf("%s(): %s is given twice", f->name, f->args[k]));
            return 0;
        }
        vals[k] = argv[p + 1];
    }
    return 1;
}

static void compute_epsilon(sqlite3_context *ctx, const DpFn *f, const double *x)
{
    double eps;
    int rc = hl_dp_gaussian_epsilon(x[0], x[1], (long)x[2], x[3], NULL, 0, &eps, NULL);
    if (rc != HL_DP_OK)
        fail(ctx, sqlite3_mprintf("%s(): %s", f->name, hl_dp_strerror(rc)));
    else
        sqlite3_result_double(ctx, eps);
}

static void compute_noise(sqlite3_context *ctx, const DpFn *f, const double *x)
{
    double sigma, floor_eps;
    int rc = hl_dp_noise_multiplier(x[0], x[1], x[2], (long)x[3], NULL, 0, &sigma);
    if (rc == HL_DP_OK) {
        sqlite3_result_double(ctx, sigma);
        return;
    }
    if (rc == HL_DP_EUNREACHABLE && hl_dp_gaussian_epsilon(HL_DP_SIGMA_MAX, x[2], (long)x[3], x[1],
                                                          NULL, 0, &floor_eps, NULL) == HL_DP_OK) {
        fail(ctx, sqlite3_mprintf("%s(): no noise multiplier up to %.0f reaches epsilon %.15g at "
                                  "delta %.15g; the smallest epsilon it reaches is %.4f",
                                  f->name, HL_DP_SIGMA_MAX, x[0], x[1], floor_eps));
        return;
    }
    fail(ctx, sqlite3_mprintf("%s(): %s", f->name, hl_dp_strerror(rc)));
}

static const DpFn dp_fns[] = {
    {"federated_dp_epsilon", {"noise_multiplier", "sample_rate", "steps", "delta"},
     {ARG_NOISE, ARG_RATE, ARG_STEPS, ARG_DELTA}, compute_epsilon},
    {"federated_dp_noise_multiplier", {"target_epsilon", "delta", "sample_rate", "steps"},
     {ARG_EPSILON, ARG_DELTA, ARG_RATE, ARG_STEPS}, compute_noise},
};

static void fn_dp(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const DpFn *f = sqlite3_user_data(ctx);
    sqlite3_value *vals[4];
    double x[4];
    if (!order_args(ctx, f, argc, argv, vals))
        return;
    for (int i = 0; i < 4; i++)
        if (sqlite3_value_type(vals[i]) == SQLITE_NULL) {
            sqlite3_result_null(ctx);
            return;
        }
    for (int i = 0; i < 4; i++)
        if (!read_arg(ctx, f, i, vals[i], &x[i]))
            return;
    f->compute(ctx, f, x);
}

int hl_sqlfn_register_privacy(sqlite3 *db)
{
    for (size_t i = 0; i < sizeof dp_fns / sizeof dp_fns[0]; i++) {
        int rc = sqlite3_create_function_v2(db, dp_fns[i].name, -1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            (void *)&dp_fns[i], fn_dp, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}
