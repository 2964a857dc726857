-- views.sql: every federated view and table function of the guide: rows
-- where their objects exist, "not implemented yet" where they wait for a
-- later capability, argument errors, and composition with WHERE, ORDER BY,
-- JOIN and LIMIT like any table.
.headers on
CREATE FEDERATED WORKSPACE ml_consortium WITH (min_nodes = 2, privacy_budget = 1.0,
    privacy_per_round = 0.25);
CREATE FEDERATED WORKSPACE other;
REGISTER FEDERATED NODE 'n1' IN WORKSPACE ml_consortium WITH (dataset_size = 300);
REGISTER FEDERATED NODE 'n2' IN WORKSPACE ml_consortium WITH (dataset_size = 100);
REGISTER FEDERATED NODE 'n3' IN WORKSPACE ml_consortium WITH (dataset_size = 200);
REGISTER FEDERATED NODE 'o1' IN WORKSPACE other;
CREATE FEDERATED MODEL customer_churn IN WORKSPACE ml_consortium
    WITH (features = ['tenure'], target = 'churned', rounds = 30);
CREATE FEDERATED MODEL m_other IN WORKSPACE other;
-- views with rows now
SELECT workspace_name, min_nodes_required, registered_nodes, active_nodes
FROM federated_workspace_status
WHERE workspace_name = 'ml_consortium';
SELECT node_name, status, dataset_size
FROM federated_node_status
WHERE workspace = 'ml_consortium'
ORDER BY dataset_size DESC;
SELECT node_name FROM federated_node_status ORDER BY node_name LIMIT 2 OFFSET 1;
SELECT node_name, last_heartbeat, connection_status, failure_reason
FROM federated_node_diagnostics
WHERE workspace = 'ml_consortium'
  AND connection_status != 'connected';
SELECT model_name, workspace, algorithm, status, rounds FROM federated_models ORDER BY 1;
SELECT * FROM federated_privacy_budget('ml_consortium');
SELECT * FROM federated_privacy_budget('other');
SELECT workspace_name, total_budget_epsilon, consumed_epsilon,
       remaining_epsilon, rounds_completed, estimated_remaining_rounds
FROM federated_privacy_budget_status
WHERE workspace_name = 'ml_consortium';
SELECT model_name, version, tag FROM federated_model_versions('customer_churn');
SELECT count(*) AS n FROM federated_alerts;
-- joins: status views with each other and with plain tables
CREATE TABLE owners (workspace TEXT, owner TEXT);
INSERT INTO owners VALUES ('ml_consortium', 'alice'), ('other', 'bob');
SELECT w.workspace_name, o.owner, count(n.node_name) AS nodes
FROM federated_workspace_status w
JOIN owners o ON o.workspace = w.workspace_name
LEFT JOIN federated_node_status n ON n.workspace = w.workspace_name
GROUP BY w.workspace_name, o.owner
ORDER BY nodes DESC;
SELECT m.model_name, w.registered_nodes
FROM federated_models m JOIN federated_workspace_status w ON w.workspace_name = m.workspace
ORDER BY 1;
-- a table function in a subquery, and with the argument as a column
SELECT (SELECT total_epsilon FROM federated_privacy_budget('ml_consortium')) AS eps;
SELECT total_epsilon FROM federated_privacy_budget WHERE workspace = 'ml_consortium';
SELECT option, value FROM federated_model_options('customer_churn')
WHERE source = 'set' ORDER BY option LIMIT 2;
-- argument errors
SELECT * FROM federated_privacy_budget('nowhere');
SELECT * FROM federated_privacy_budget();
SELECT * FROM federated_privacy_budget(NULL);
SELECT * FROM federated_model_versions('nosuch');
SELECT * FROM federated_model_versions('customer_churn', 'extra');
SELECT * FROM federated_evaluate('customer_churn', 'no_table');
-- views waiting for a later capability
SELECT round_number, global_loss, global_accuracy,
       participating_nodes, round_duration_seconds
FROM federated_training_status('customer_churn')
ORDER BY round_number DESC
LIMIT 10;
SELECT round_number, timestamp, global_loss
FROM federated_training_metrics('customer_churn')
WHERE timestamp > NOW() - INTERVAL '1 hour'
ORDER BY round_number DESC;
SELECT * FROM federated_convergence_diagnostics('customer_churn');
SELECT * FROM federated_checkpoints('customer_churn');
SELECT federated_evaluate('customer_churn') AS (
    global_accuracy FLOAT,
    global_precision FLOAT,
    global_recall FLOAT,
    global_f1_score FLOAT,
    per_node_metrics JSONB
);
SELECT * FROM federated_compliance_check('ml_consortium', 'HIPAA') AS (
    requirement TEXT,
    status TEXT,
    details TEXT
);
SELECT * FROM federated_security_audit('ml_consortium');
SELECT federated_data_quality_check('customer_churn') AS (
    node_name TEXT,
    feature_statistics JSONB,
    missing_values JSONB,
    outliers JSONB
);
-- the scalar functions: arguments checked first
SELECT federated_predict('customer_churn', tenure => 12) AS p;
SELECT federated_predict('nosuch', tenure => 12);
SELECT federated_predict();
SELECT wait_for_convergence('customer_churn', timeout => 10);
SELECT wait_for_convergence('customer_churn', timeout_seconds => -1);
SELECT wait_for_convergence('customer_churn', timeout_seconds => 'soon');
SELECT wait_for_convergence('customer_churn', 'timeout_seconds');
SELECT compare_federated_models('customer_churn', version_a => 'v1');
