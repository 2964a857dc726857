-- Resume from checkpoint
RESUME FEDERATED TRAINING customer_churn
FROM '/backups/checkpoint_round_50.bin';
