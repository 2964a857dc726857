-- training.sql: START / STOP / CHECKPOINT / RESUME FEDERATED TRAINING, TAG and
-- ROLLBACK FEDERATED MODEL: names and options are checked, then the
-- statement says it is not implemented yet.
START FEDERATED TRAINING customer_churn;
CREATE FEDERATED WORKSPACE ml_consortium WITH (privacy_budget = 0.5, compliance_mode = 'GDPR');
CREATE FEDERATED MODEL customer_churn IN WORKSPACE ml_consortium WITH (
    algorithm = 'random_forest',
    features = ['tenure_months', 'monthly_charges', 'contract_type'],
    target = 'churned',
    rounds = 30
);
START FEDERATED TRAINING customer_churn WITH (
    local_epochs = 5,
    batch_size = 32
);
START FEDERATED TRAINING customer_churn;
-- a training run's options: the run table, checked like the model's
START FEDERATED TRAINING customer_churn WITH (local_epoch = 5);
START FEDERATED TRAINING customer_churn WITH (algorithm = 'neural_network');
START FEDERATED TRAINING customer_churn WITH (batch_size = 0);
START FEDERATED TRAINING customer_churn WITH (learning_rate = 'fast');
START FEDERATED TRAINING customer_churn WITH (optimizer = 'adamw');
START FEDERATED TRAINING customer_churn WITH (rounds = 5, rounds = 6);
START FEDERATED TRAINING customer_churn WITH (early_stopping_rounds = 40);
START FEDERATED TRAINING customer_churn WITH (early_stopping_rounds = 20);
START FEDERATED TRAINING customer_churn WITH (proximal_term = 0.1);
START FEDERATED TRAINING customer_churn WITH (nodes_per_round = 3, fraction_per_round = 0.5);
START FEDERATED TRAINING customer_churn WITH (privacy_budget = 1.0);
START FEDERATED TRAINING customer_churn WITH (endpoint = 'local');
STOP FEDERATED TRAINING customer_churn;
STOP FEDERATED TRAINING nosuch;
CHECKPOINT FEDERATED TRAINING customer_churn
TO '/backups/checkpoint_round_50.bin';
CHECKPOINT FEDERATED TRAINING nosuch TO '/backups/x.bin';
RESUME FEDERATED TRAINING customer_churn
FROM '/backups/checkpoint_round_50.bin';
RESUME FEDERATED TRAINING customer_churn;
RESUME FEDERATED TRAINING nosuch;
TAG FEDERATED MODEL customer_churn AS 'v1.0_production';
TAG FEDERATED MODEL nosuch AS 'v1';
ROLLBACK FEDERATED MODEL customer_churn TO VERSION 'v1.0_production';
ROLLBACK FEDERATED MODEL customer_churn TO VERSION 3;
ROLLBACK FEDERATED MODEL nosuch TO VERSION 1;
-- the views and functions about training
SELECT * FROM federated_model_versions('customer_churn');
SELECT * FROM federated_checkpoints('customer_churn');
SELECT round_number, global_loss FROM federated_training_status('customer_churn');
SELECT wait_for_convergence('customer_churn', timeout_seconds => 3600);
SELECT compare_federated_models(
    'customer_churn',
    version_a => 'v1.0_production',
    version_b => 'v1.1_candidate'
);
-- nothing was changed by any of it
SELECT model_name, status, rounds FROM federated_models;
SELECT option, value FROM federated_model_options('customer_churn') WHERE source = 'set';
