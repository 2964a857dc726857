-- ## Privacy and Compliance: Privacy Budget Management
-- Monitor privacy budget consumption
SELECT workspace_name, total_budget_epsilon, consumed_epsilon,
       remaining_epsilon, rounds_completed, estimated_remaining_rounds
FROM federated_privacy_budget_status
WHERE workspace_name = 'ml_consortium';
