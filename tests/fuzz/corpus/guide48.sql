-- ## Troubleshooting: Training Not Starting
-- Check minimum nodes requirement
SELECT workspace_name, min_nodes_required, registered_nodes, active_nodes
FROM federated_workspace_status
WHERE workspace_name = 'ml_consortium';
