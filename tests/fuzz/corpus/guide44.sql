-- ## Monitoring: Training Metrics
-- Real-time training dashboard
SELECT round_number, timestamp, global_loss, global_accuracy,
       participating_nodes, dropped_nodes, round_duration_seconds,
       communication_mb, privacy_consumed_epsilon
FROM federated_training_metrics('customer_churn')
WHERE timestamp > NOW() - INTERVAL '1 hour'
ORDER BY round_number DESC;
