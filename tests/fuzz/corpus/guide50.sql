-- ## Troubleshooting: Slow Convergence
-- Diagnose convergence issues
SELECT round_number, global_loss, loss_delta,
       node_variance,                -- High variance = heterogeneous data
       learning_rate
FROM federated_convergence_diagnostics('slow_model');
