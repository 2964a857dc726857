-- List available checkpoints
SELECT * FROM federated_checkpoints('customer_churn');
