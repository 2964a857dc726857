-- Set budget alerts
CREATE FEDERATED ALERT privacy_budget_low
ON WORKSPACE ml_consortium
WHEN remaining_epsilon < 0.1
NOTIFY 'privacy-team@example.com';
