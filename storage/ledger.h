/*
 * ledger.h - the privacy ledger and the alerts' notifications in the
 * catalog (tables of migration 4, storage/catalog.c).
 *
 * The ledger holds what each training round spent of its workspace's
 * privacy budget.  The arithmetic (composition, conversion to epsilon,
 * the budget check) is the engine's (src/engine/privacy.c): storage sums
 * what is recorded and appends rows, inside the caller's transaction, so
 * that reading what was spent, checking the budget and recording the next
 * round happen atomically (hl_cat_begin ... hl_cat_commit).
 */
#ifndef HL_STORAGE_LEDGER_H
#define HL_STORAGE_LEDGER_H

#include <stdint.h>
#include <sqlite3.h>

#include "../src/err.h"

/* One round's spending. */
typedef struct HlCatSpend {
    int64_t ws_id;
    int64_t model_id;           /* 0: none */
    const char *model_name;     /* required */
    int64_t run_id;             /* 0: none */
    int64_t round_number;       /* >= 1 */
    const char *timestamp;      /* 'YYYY-MM-DD HH:MM:SS'; NULL: now */
    const char *mechanism;      /* "gaussian" or "laplacian" */
    const char *dp_level;       /* "record" or "node" */
    double noise_multiplier, clipping_threshold;
    double sample_rate;         /* (0, 1] */
    int64_t steps;              /* noisy steps (record) or aggregations (node) */
    double delta;
    const double *rdp;          /* gaussian: the round's RDP on the order grid; NULL: none */
    int nrdp;
    double pure_epsilon;        /* laplacian: the round's pure epsilon */
    double epsilon;             /* added to the workspace's consumed epsilon */
    double cumulative_epsilon;  /* the workspace's consumed epsilon after it */
} HlCatSpend;

/* What a workspace has spent so far. */
typedef struct HlCatSpent {
    double *rdp;                /* norders: the sum of the rounds' RDP (zeros: none) */
    int norders;
    double pure_epsilon;        /* the sum of the Laplace rounds' pure epsilon */
    double min_delta;           /* the smallest delta recorded; 0 when no round */
    double cumulative_epsilon;  /* the latest round's cumulative_epsilon; 0: none */
    int64_t rounds;             /* ledger rows */
    int64_t gaussian_rounds;    /* of them, with an RDP curve (Gaussian noise) */
} HlCatSpent;

void hl_cat_spent_clear(HlCatSpent *s);     /* frees rdp; accepts NULL */

/* Sums the ledger of workspace ws_id into *out (rdp: norders values; a
 * recorded vector of another length is an error that names its row;
 * norders 0: the totals only, rdp all zeros). */
int hl_cat_privacy_spent(sqlite3 *db, int64_t ws_id, int norders, HlCatSpent *out,
                         hl_err *err);

/* The latest ledger row of workspace ws_id: its rdp (norders values, zeros
 * when NULL) and pure epsilon.  *found 0 when the ledger is empty. */
int hl_cat_privacy_last(sqlite3 *db, int64_t ws_id, int norders, double *rdp, double *pure,
                        int *found, hl_err *err);

/* The options (JSON, malloc'd) of workspace ws_id, read in the caller's
 * transaction; HELIOS_NOTFOUND when it is gone. */
int hl_cat_workspace_options(sqlite3 *db, int64_t ws_id, char **options, hl_err *err);

/* Appends one round to the ledger. */
int hl_cat_privacy_record(sqlite3 *db, const HlCatSpend *s, hl_err *err);

/* ---- alerts ------------------------------------------------------------------ */

typedef struct HlCatAlert {
    int64_t id;
    char *name, *metric, *cmp, *notify;
    double threshold;
    int triggered;              /* the condition held at the last check */
} HlCatAlert;

/* The enabled alerts of workspace ws_id, in creation order. */
int hl_cat_alerts(sqlite3 *db, int64_t ws_id, HlCatAlert **out, int *n, hl_err *err);
void hl_cat_alerts_free(HlCatAlert *a, int n);          /* accepts NULL */

/* Records whether alert `id`'s condition holds now. */
int hl_cat_alert_set_triggered(sqlite3 *db, int64_t id, int triggered, hl_err *err);

/* One firing of an alert, and how its delivery went. */
typedef struct HlCatNotification {
    int64_t ws_id, alert_id;
    const char *alert_name, *model_name, *metric, *message, *notify, *delivery;
    int64_t round_number;       /* 0: none */
    double value;
    const char *timestamp;      /* NULL: now */
} HlCatNotification;

int hl_cat_notification_add(sqlite3 *db, const HlCatNotification *n, hl_err *err);

#endif
