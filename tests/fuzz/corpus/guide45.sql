-- ## Monitoring: Node Health Monitoring
-- Monitor node status
SELECT node_name, status,            -- 'active', 'slow', 'failed'
       last_seen, rounds_participated, avg_round_time_seconds,
       dataset_size, contribution_score
FROM federated_node_status
WHERE workspace = 'ml_consortium'
ORDER BY contribution_score DESC;
