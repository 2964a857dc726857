-- 5. Monitor progress
SELECT round_number, global_loss, global_accuracy,
       participating_nodes, round_duration_seconds
FROM federated_training_status('customer_churn')
ORDER BY round_number DESC
LIMIT 10;
