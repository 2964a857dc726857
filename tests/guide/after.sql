-- What the guide's definitions leave in the catalog.
SELECT workspace_name, min_nodes_required, max_nodes, registered_nodes, models,
       compliance_mode, privacy_budget
FROM federated_workspace_status ORDER BY workspace_name;
SELECT workspace, node_name, status, endpoint, data_residency
FROM federated_node_status ORDER BY workspace, node_name;
SELECT model_name, workspace, algorithm, status, rounds, target, features
FROM federated_models ORDER BY model_name;
SELECT alert_name, workspace, metric, cmp, threshold, notify FROM federated_alerts;
SELECT workspace_name, total_budget_epsilon, consumed_epsilon, remaining_epsilon,
       estimated_remaining_rounds
FROM federated_privacy_budget_status ORDER BY workspace_name;
SELECT option, value, source FROM federated_model_options('customer_churn')
WHERE source = 'set';
SELECT option, value FROM federated_model_options('disease_classifier')
WHERE source = 'set';
SELECT action, object_kind, object_name, workspace FROM federated_audit_log ORDER BY id;
