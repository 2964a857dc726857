-- ## Monitoring: Privacy Metrics
-- Track privacy consumption over time
SELECT timestamp, workspace_name, cumulative_epsilon,
       epsilon_per_round, noise_multiplier, clipping_threshold
FROM federated_privacy_history
WHERE workspace_name = 'ml_consortium'
ORDER BY timestamp;
