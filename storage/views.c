/*
 * views.c - the federated views of the guide (see views.h), and the queries
 * behind SHOW and DESCRIBE (see catalog.h).
 *
 * Column names are the guide's (guide-examples.sql); columns the guide does
 * not show but a user needs to tell rows apart (workspace, model_name) are
 * added.  Views whose rows arrive with a later capability already have
 * their final columns, so that a query naming them prepares today and fails
 * only when it runs, with "not implemented yet".
 *
 * Training history (storage/runs.h): the per-round views of a model show
 * the rounds of its latest run (a new START replaces them; RESUME goes on
 * with the same run); a model never trained shows no rows.  Units are
 * decimal: communication_mb and network_*_mb are bytes / 10^6,
 * memory_usage_gb is bytes / 10^9.  cpu_usage_percent is CPU time over
 * wall time, so a phase that keeps 4 threads busy shows 400.
 */
#include <stddef.h>
#include <strings.h>

#include "catalog.h"
#include "views.h"

#define MODEL_ARG {"model", HL_VARG_MODEL, 0, "a model name", NULL}
#define WS_ARG {"workspace", HL_VARG_WORKSPACE, 0, "a workspace name", NULL}

static const char *const compliance_modes[] = {"HIPAA", "GDPR", "BOTH", NULL};

/* Effective option values; defaults come from src/options.c. */
#define WS_OPT(col, name) "hl_option('workspace', " col ".options, '" name "')"
#define NODE_OPT(name) "hl_option('node', n.options, '" name "')"
#define MODEL_OPT(name) "hl_option('model', m.options, '" name "')"

/* The rounds of model m's latest run (the run with the highest id). */
#define LATEST_ROUNDS "JOIN hl_round r ON r.run_id = " \
    "(SELECT max(x.id) FROM hl_run x WHERE x.model_id = m.id) "

/* The epsilon workspace `w` has consumed: the latest ledger row's total. */
#define SPENT(w) "coalesce((SELECT l.cumulative_epsilon FROM hl_privacy_ledger l " \
    "WHERE l.ws_id = " w ".id ORDER BY l.id DESC LIMIT 1), 0.0)"

/* Phases in the order a round runs them. */
#define PHASE_ORDER "CASE p.phase WHEN 'distribution' THEN 1 WHEN 'local_training' THEN 2 " \
    "WHEN 'aggregation' THEN 3 WHEN 'evaluation' THEN 4 ELSE 5 END"

/*
 * A node's participation, over every round it took part in (all models,
 * all runs): rounds, mean local time, the time of its latest round, and
 * contribution_score, the node's mean share of a round's training rows
 * (its FedAvg weight when aggregation is weighted by rows): 1/k for k
 * equal nodes, in [0, 1], NULL before its first round.
 */
#define NODE_ROUNDS \
    "LEFT JOIN (SELECT rn.node_id, count(*) AS rounds, avg(rn.duration_seconds) AS secs, " \
    "max(r.timestamp) AS seen, avg(CAST(rn.rows AS REAL) / t.total) AS score, " \
    "(SELECT y.rows FROM hl_round_node y WHERE y.node_id = rn.node_id " \
    "ORDER BY y.round_id DESC LIMIT 1) AS last_rows " \
    "FROM hl_round_node rn JOIN hl_round r ON r.id = rn.round_id " \
    "JOIN (SELECT round_id, sum(rows) AS total FROM hl_round_node GROUP BY round_id) t " \
    "ON t.round_id = rn.round_id " \
    "WHERE rn.node_id IS NOT NULL GROUP BY rn.node_id) s ON s.node_id = n.id "

static const HlView views[] = {
    /* ---- with rows now ---------------------------------------------------- */
    {"federated_workspace_status",
     "workspace_name TEXT COLLATE NOCASE, status TEXT, min_nodes_required INTEGER, "
     "max_nodes INTEGER, registered_nodes INTEGER, active_nodes INTEGER, models INTEGER, "
     "compliance_mode TEXT, privacy_budget REAL, created_at TEXT",
     0, {{0}},
     "SELECT w.name, w.status, " WS_OPT("w", "min_nodes") ", " WS_OPT("w", "max_nodes") ", "
     "(SELECT count(*) FROM hl_node n WHERE n.ws_id = w.id), "
     "(SELECT count(*) FROM hl_node n WHERE n.ws_id = w.id AND n.status IN ('active', 'slow')), "
     "(SELECT count(*) FROM hl_model m WHERE m.ws_id = w.id), "
     WS_OPT("w", "compliance_mode") ", " WS_OPT("w", "privacy_budget") ", w.created_at "
     "FROM hl_workspace w ORDER BY w.id",
     NULL,
     "one row per workspace: its node requirements, nodes registered and active, models"},

    {"federated_node_status",
     "workspace TEXT COLLATE NOCASE, node_name TEXT COLLATE NOCASE, status TEXT, last_seen TEXT, "
     "rounds_participated INTEGER, avg_round_time_seconds REAL, dataset_size INTEGER, "
     "contribution_score REAL, endpoint TEXT, data_residency TEXT, registered_at TEXT",
     0, {{0}},
     /* last_seen: the engine's heartbeat or the node's latest round,
      * whichever is later; dataset_size: as declared, else the rows of
      * its latest round. */
     "SELECT w.name, n.name, n.status, "
     "nullif(max(coalesce(n.last_seen, ''), coalesce(s.seen, '')), ''), "
     "coalesce(s.rounds, 0), s.secs, "
     "coalesce(json_extract(n.options, '$.dataset_size'), s.last_rows), s.score, "
     NODE_OPT("endpoint") ", " NODE_OPT("data_residency") ", n.created_at "
     "FROM hl_node n JOIN hl_workspace w ON w.id = n.ws_id " NODE_ROUNDS
     "ORDER BY w.id, n.id",
     NULL,
     "one row per node: status ('registered' until the engine reaches it), participation"},

    {"federated_node_diagnostics",
     "workspace TEXT COLLATE NOCASE, node_name TEXT COLLATE NOCASE, endpoint TEXT, "
     "last_heartbeat TEXT, connection_status TEXT, failure_reason TEXT",
     0, {{0}},
     "SELECT w.name, n.name, " NODE_OPT("endpoint") ", n.last_seen, "
     "CASE WHEN n.status = 'slow' THEN 'slow' WHEN n.last_seen IS NULL THEN 'never_connected' "
     "WHEN n.status = 'failed' THEN 'disconnected' ELSE 'connected' END, n.last_error "
     "FROM hl_node n JOIN hl_workspace w ON w.id = n.ws_id ORDER BY w.id, n.id",
     NULL,
     "one row per node: last heartbeat, connection status and the last failure"},

    {"federated_models",
     "model_name TEXT COLLATE NOCASE, workspace TEXT COLLATE NOCASE, algorithm TEXT, status TEXT, "
     "rounds INTEGER, target TEXT, features TEXT, created_at TEXT",
     0, {{0}},
     "SELECT m.name, w.name, " MODEL_OPT("algorithm") ", m.status, " MODEL_OPT("rounds") ", "
     MODEL_OPT("target") ", " MODEL_OPT("features") ", m.created_at "
     "FROM hl_model m JOIN hl_workspace w ON w.id = m.ws_id ORDER BY w.id, m.id",
     NULL,
     "one row per model (SHOW FEDERATED MODELS)"},

    {"federated_model_versions",
     "model_name TEXT COLLATE NOCASE, version INTEGER, tag TEXT, created_at TEXT, rounds INTEGER, "
     "global_loss REAL, global_accuracy REAL, metrics TEXT, is_current INTEGER",
     1, {MODEL_ARG},
     "SELECT m.name, v.version, v.tag, v.created_at, v.rounds, "
     "json_extract(v.metrics, '$.loss'), json_extract(v.metrics, '$.accuracy'), v.metrics, "
     "v.version = coalesce(m.current_version, "
     "(SELECT max(x.version) FROM hl_model_version x WHERE x.model_id = m.id)) "
     "FROM hl_model m JOIN hl_model_version v ON v.model_id = m.id "
     "WHERE m.name = ?1 ORDER BY v.version",
     NULL,
     "the versions of a model, one per completed training (empty until trained)"},

    {"federated_model_options",
     "option TEXT COLLATE NOCASE, value, default_value, source TEXT, domain TEXT, help TEXT",
     1, {MODEL_ARG},
     "SELECT json_extract(d.value, '$.name'), "
     "hl_option_text('model', m.options, json_extract(d.value, '$.name')), "
     "hl_option_text('model', '{}', json_extract(d.value, '$.name')), "
     "CASE WHEN json_type(m.options, '$.\"' || json_extract(d.value, '$.name') || '\"') IS NULL "
     "THEN 'default' ELSE 'set' END, "
     "json_extract(d.value, '$.domain'), json_extract(d.value, '$.help') "
     "FROM hl_model m, json_each(hl_option_defs('model')) d "
     "WHERE m.name = ?1 ORDER BY d.key",
     NULL,
     "every option of a model: its value, default and whether it was set (DESCRIBE FEDERATED MODEL)"},

    {"federated_privacy_budget",
     "workspace_name TEXT COLLATE NOCASE, total_epsilon REAL, consumed_epsilon REAL, "
     "remaining_epsilon REAL",
     1, {WS_ARG},
     "SELECT w.name, b.total, b.spent, max(b.total - b.spent, 0.0) "
     "FROM hl_workspace w, (SELECT " WS_OPT("x", "privacy_budget") " AS total, "
     SPENT("x") " AS spent FROM hl_workspace x WHERE x.name = ?1) b WHERE w.name = ?1",
     NULL,
     "a workspace's privacy budget: total, consumed and remaining epsilon"},

    {"federated_privacy_budget_status",
     "workspace_name TEXT COLLATE NOCASE, total_budget_epsilon REAL, consumed_epsilon REAL, "
     "remaining_epsilon REAL, rounds_completed INTEGER, estimated_remaining_rounds INTEGER",
     0, {{0}},
     /* estimated_remaining_rounds: hl_privacy_rounds_left() asks the
      * accountant how many more rounds like the workspace's latest one fit
      * (src/engine/privacy.h); NULL without a budget. */
     "SELECT name, total, spent, max(total - spent, 0.0), rounds, "
     "hl_privacy_rounds_left(id) "
     "FROM (SELECT w.id, w.name, " WS_OPT("w", "privacy_budget") " AS total, "
     SPENT("w") " AS spent, (SELECT count(*) FROM hl_privacy_ledger l WHERE l.ws_id = w.id) "
     "AS rounds FROM hl_workspace w) ORDER BY id",
     NULL,
     "every workspace's privacy budget, spent and left, with the rounds it still allows"},

    {"federated_privacy_history",
     "timestamp TEXT, workspace_name TEXT COLLATE NOCASE, model_name TEXT COLLATE NOCASE, "
     "round_number INTEGER, cumulative_epsilon REAL, epsilon_per_round REAL, "
     "noise_multiplier REAL, clipping_threshold REAL",
     0, {{0}},
     "SELECT l.timestamp, w.name, l.model_name, l.round_number, l.cumulative_epsilon, "
     "l.epsilon, l.noise_multiplier, l.clipping_threshold "
     "FROM hl_privacy_ledger l JOIN hl_workspace w ON w.id = l.ws_id ORDER BY l.id",
     NULL,
     "per round that spent privacy: the workspace's epsilon after it, what the round added, "
     "and the noise and clipping that spent it"},

    {"federated_notifications",
     "fired_at TEXT, workspace TEXT COLLATE NOCASE, alert_name TEXT COLLATE NOCASE, "
     "model_name TEXT COLLATE NOCASE, round_number INTEGER, metric TEXT, value REAL, "
     "message TEXT, notify TEXT, delivery TEXT",
     0, {{0}},
     "SELECT n.fired_at, w.name, n.alert_name, n.model_name, n.round_number, n.metric, n.value, "
     "n.message, n.notify, n.delivery "
     "FROM hl_notification n JOIN hl_workspace w ON w.id = n.ws_id ORDER BY n.id",
     NULL,
     "every time an alert fired: the value that crossed its threshold and how it was delivered"},

    {"federated_alerts",
     "alert_name TEXT COLLATE NOCASE, workspace TEXT COLLATE NOCASE, metric TEXT, cmp TEXT, "
     "threshold REAL, notify TEXT, status TEXT, created_at TEXT",
     0, {{0}},
     "SELECT a.name, w.name, a.metric, a.cmp, a.threshold, a.notify, a.status, a.created_at "
     "FROM hl_alert a JOIN hl_workspace w ON w.id = a.ws_id ORDER BY w.id, a.id",
     NULL,
     "one row per alert: its condition and whom it notifies"},

    {"federated_audit_log",
     "id INTEGER, timestamp TEXT, action TEXT, object_kind TEXT, object_name TEXT COLLATE NOCASE, "
     "workspace TEXT COLLATE NOCASE, detail TEXT, seq INTEGER, prev_hash TEXT, hash TEXT",
     0, {{0}},
     "SELECT id, at, action, object_kind, object_name, workspace, detail, seq, prev_hash, hash "
     "FROM hl_audit ORDER BY id",
     NULL,
     "every change to the catalog, oldest first, each chained to the one before it in its "
     "workspace's hash chain"},

    {"federated_audit_verify",
     "status TEXT, entries_checked INTEGER, anchor_seq INTEGER, "
     "first_bad_id INTEGER, first_bad_seq INTEGER, problem TEXT",
     1, {WS_ARG},
     /* hl_audit_verify() (src/sqlfn/audit.c) walks the chain */
     "WITH v(j) AS (SELECT hl_audit_verify(?1)) "
     "SELECT CASE json_extract(j, '$.intact') WHEN 1 THEN 'intact' ELSE 'tampered' END, "
     "json_extract(j, '$.entries'), json_extract(j, '$.anchor_seq'), "
     "json_extract(j, '$.first_bad_id'), json_extract(j, '$.first_bad_seq'), "
     "json_extract(j, '$.problem') FROM v",
     NULL,
     "a workspace's audit chain walked from its anchor to its head: intact, or the first "
     "entry altered, removed or inserted"},

    {"federated_compliance_check",
     "requirement TEXT, status TEXT, details TEXT",
     2, {WS_ARG, {"mode", HL_VARG_TEXT, 0, "a compliance mode ('HIPAA', 'GDPR' or 'BOTH')",
                  compliance_modes}},
     /* hl_compliance_check() (src/sqlfn/compliance.c) runs the checks of
      * src/engine/compliance.h; one row a requirement, in check order. */
     "SELECT json_extract(r.value, '$.requirement'), json_extract(r.value, '$.status'), "
     "json_extract(r.value, '$.details') FROM json_each(hl_compliance_check(?1, ?2)) r "
     "ORDER BY r.key",
     NULL,
     "each requirement of a compliance mode, checked against a workspace"},

    {"federated_security_audit",
     "check_name TEXT, status TEXT, recommendation TEXT",
     1, {WS_ARG},
     /* hl_security_audit() (src/sqlfn/compliance.c); one row a check. */
     "SELECT json_extract(r.value, '$.check_name'), json_extract(r.value, '$.status'), "
     "json_extract(r.value, '$.recommendation') FROM json_each(hl_security_audit(?1)) r "
     "ORDER BY r.key",
     NULL,
     "security checks of a workspace, with what to do about each"},

    /* ---- training history (storage/runs.h) ----------------------------------- */
    {"federated_training_status",
     "model_name TEXT COLLATE NOCASE, round_number INTEGER, status TEXT, global_loss REAL, "
     "global_accuracy REAL, participating_nodes INTEGER, round_duration_seconds REAL, "
     "timestamp TEXT",
     1, {MODEL_ARG},
     /* status is the run's: running, converged, completed, stopped, ... */
     "SELECT m.name, r.round_number, u.status, r.global_loss, r.global_accuracy, "
     "r.participating_nodes, r.duration_seconds, r.timestamp "
     "FROM hl_model m " LATEST_ROUNDS "JOIN hl_run u ON u.id = r.run_id "
     "WHERE m.name = ?1 ORDER BY r.round_number",
     NULL,
     "the rounds of a model's latest training, with its status, loss and accuracy"},

    {"federated_training_metrics",
     "round_number INTEGER, timestamp TEXT, global_loss REAL, global_accuracy REAL, "
     "participating_nodes INTEGER, dropped_nodes INTEGER, round_duration_seconds REAL, "
     "communication_mb REAL, privacy_consumed_epsilon REAL",
     1, {MODEL_ARG},
     "SELECT r.round_number, r.timestamp, r.global_loss, r.global_accuracy, "
     "r.participating_nodes, r.dropped_nodes, r.duration_seconds, "
     "r.communication_bytes / 1e6, r.privacy_consumed_epsilon "
     "FROM hl_model m " LATEST_ROUNDS "WHERE m.name = ?1 ORDER BY r.round_number",
     NULL,
     "per round: loss, accuracy, nodes, duration, traffic and privacy spent"},

    {"federated_convergence_diagnostics",
     "round_number INTEGER, global_loss REAL, loss_delta REAL, node_variance REAL, "
     "learning_rate REAL",
     1, {MODEL_ARG},
     "SELECT r.round_number, r.global_loss, r.loss_delta, r.node_variance, r.learning_rate "
     "FROM hl_model m " LATEST_ROUNDS "WHERE m.name = ?1 ORDER BY r.round_number",
     NULL,
     "per round: loss, its change, the variance between nodes, the learning rate"},

    {"federated_performance_metrics",
     "model_name TEXT COLLATE NOCASE, round_number INTEGER, phase TEXT, duration_seconds REAL, "
     "cpu_usage_percent REAL, memory_usage_gb REAL, network_sent_mb REAL, "
     "network_received_mb REAL",
     0, {{0}},
     "SELECT m.name, r.round_number, p.phase, p.duration_seconds, "
     "CASE WHEN p.duration_seconds > 0 THEN p.cpu_seconds / p.duration_seconds * 100 END, "
     "p.memory_bytes / 1e9, p.bytes_sent / 1e6, p.bytes_received / 1e6 "
     "FROM hl_model m " LATEST_ROUNDS "JOIN hl_round_phase p ON p.round_id = r.id "
     "ORDER BY m.id, r.round_number, " PHASE_ORDER,
     NULL,
     "per model, round and phase of its latest training: duration, CPU, memory and traffic"},

    {"federated_checkpoints",
     "model_name TEXT COLLATE NOCASE, path TEXT, round_number INTEGER, created_at TEXT, "
     "size_bytes INTEGER, checksum TEXT",
     1, {MODEL_ARG},
     "SELECT m.name, c.path, c.round_number, c.created_at, c.size_bytes, c.checksum "
     "FROM hl_model m JOIN hl_checkpoint c ON c.model_id = m.id "
     "WHERE m.name = ?1 ORDER BY c.created_at, c.id",
     NULL,
     "the checkpoints written for a model, oldest first"},

    /* ---- waiting for a later capability ------------------------------------ */

    {"federated_evaluate",
     "metric TEXT, value REAL, global_accuracy REAL, global_precision REAL, global_recall REAL, "
     "global_f1_score REAL, global_roc_auc REAL, global_loss REAL, per_node_metrics TEXT",
     2, {MODEL_ARG, {"table_name", HL_VARG_TABLE, 1, "a table name", NULL}},
     /* hl_evaluate() (src/sqlfn/training.c) asks the nodes; one row per
      * metric, the wide columns repeated on each (the AS (...) form of the
      * guide selects DISTINCT rows, so it gets one). */
     "WITH e(j) AS (SELECT hl_evaluate(?1, ?2)) "
     "SELECT m.key, m.value, json_extract(e.j, '$.metrics.accuracy'), "
     "json_extract(e.j, '$.metrics.precision'), json_extract(e.j, '$.metrics.recall'), "
     "json_extract(e.j, '$.metrics.f1_score'), json_extract(e.j, '$.metrics.roc_auc'), "
     "json_extract(e.j, '$.metrics.loss'), json_extract(e.j, '$.per_node') "
     "FROM e, json_each(e.j, '$.metrics') m",
     NULL,
     "a model's metrics on the nodes' held-out rows, or on a table of this database"},

    {"federated_data_quality_check",
     "node_name TEXT COLLATE NOCASE, feature_statistics TEXT, missing_values TEXT, outliers TEXT",
     1, {MODEL_ARG},
     /* hl_data_quality() (src/sqlfn/training.c) asks the nodes; one row a
      * node, in catalog order. */
     "SELECT json_extract(r.value, '$.node_name'), json_extract(r.value, '$.feature_statistics'), "
     "json_extract(r.value, '$.missing_values'), json_extract(r.value, '$.outliers') "
     "FROM json_each(hl_data_quality(?1)) r ORDER BY r.key",
     NULL,
     "per node: statistics, missing values and outliers of a model's features"},
};

const HlView *hl_views(int *n)
{
    *n = (int)(sizeof views / sizeof views[0]);
    return views;
}

const HlView *hl_view_find(const char *name)
{
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++)
        if (strcasecmp(views[i].name, name) == 0)
            return &views[i];
    return NULL;
}

/* ---- SHOW and DESCRIBE ------------------------------------------------------ */

static const char *const show_sql[] = {
    [1] = "SELECT workspace_name, registered_nodes AS nodes, models, compliance_mode, "
          "privacy_budget, min_nodes_required AS min_nodes, created_at "
          "FROM federated_workspace_status WHERE ?1 IS NULL OR workspace_name = ?1",
    [2] = "SELECT workspace, node_name, status, endpoint, data_residency, dataset_size, "
          "last_seen, registered_at "
          "FROM federated_node_status WHERE ?1 IS NULL OR workspace = ?1",
    [3] = "SELECT model_name, workspace, algorithm, status, rounds, target, features, created_at "
          "FROM federated_models WHERE ?1 IS NULL OR workspace = ?1",
};

const char *hl_cat_show_sql(int what)
{
    if (what < 1 || what >= (int)(sizeof show_sql / sizeof show_sql[0]))
        return NULL;
    return show_sql[what];
}

const char *hl_cat_describe_sql(void)
{
    return "SELECT option, value, default_value, source, domain, help "
           "FROM federated_model_options(?1)";
}
