-- ## Monitoring: Performance Metrics
-- Analyze performance bottlenecks
SELECT round_number, phase,          -- 'local_training', 'aggregation', 'distribution'
       duration_seconds, cpu_usage_percent, memory_usage_gb,
       network_sent_mb, network_received_mb
FROM federated_performance_metrics
WHERE model_name = 'customer_churn'
  AND round_number > 90;
