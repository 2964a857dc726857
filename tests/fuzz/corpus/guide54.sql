-- ## Troubleshooting: Node Disconnections
-- Check node connectivity
SELECT node_name, last_heartbeat, connection_status, failure_reason
FROM federated_node_diagnostics
WHERE workspace = 'ml_consortium'
  AND connection_status != 'connected';
