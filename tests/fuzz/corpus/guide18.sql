-- ## Basic Usage: Checkpoint and Resume
-- Save training checkpoint
CHECKPOINT FEDERATED TRAINING customer_churn
TO '/backups/checkpoint_round_50.bin';
