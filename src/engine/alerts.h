/*
 * alerts.h - CREATE FEDERATED ALERT name ON WORKSPACE ws WHEN metric op
 * value NOTIFY 'target': checked after every committed training round of
 * any model of the workspace.
 *
 * An alert fires once per crossing: when its condition holds now and did
 * not at its previous check (hl_alert.triggered remembers); it fires again
 * only after the condition has stopped holding and holds once more.  A
 * metric with no value this round (accuracy in a round without
 * evaluation, epsilon without a budget) leaves the alert as it was.
 *
 * A firing is recorded in hl_notification (the view
 * federated_notifications) and delivered by the workspace's
 * notify_command, when set: run with /bin/sh, the message on its standard
 * input and HELIOS_ALERT, HELIOS_MODEL, HELIOS_METRIC, HELIOS_VALUE and
 * HELIOS_NOTIFY (the alert's target) in its environment.  Training waits
 * for the command, so it should be quick (hand the message to a mailer or
 * queue); its exit status is the delivery recorded ("delivered", "failed:
 * exit status 3", "not delivered: the workspace has no notify_command").
 */
#ifndef HL_ALERTS_H
#define HL_ALERTS_H

#include <stdint.h>
#include <sqlite3.h>

#include "err.h"

/* The values a round gives; NaN: none this round. */
typedef struct HlAlertMetrics {
    double remaining_epsilon, consumed_epsilon;
    double global_loss, global_accuracy, loss_delta, node_variance;
    double participating_nodes, dropped_nodes, active_nodes, registered_nodes;
    double round_duration_seconds, communication_mb;
} HlAlertMetrics;

/* Checks workspace ws_id's alerts after round `round` of `model`;
 * *fired (may be NULL) counts the alerts that fired.  Returns HELIOS_OK or
 * a catalog error (a failed delivery is recorded, not an error). */
int hl_alerts_check(sqlite3 *db, int64_t ws_id, const char *ws_opts, const char *model,
                    int round, const HlAlertMetrics *m, int *fired, hl_err *err);

/* The value of metric `name` in m (NaN when unknown or absent). */
double hl_alert_metric(const HlAlertMetrics *m, const char *name);

/* Whether `value cmp threshold` holds (cmp one of < <= > >= = !=). */
int hl_alert_holds(double value, const char *cmp, double threshold);

#endif
