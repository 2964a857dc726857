-- model.sql: CREATE / ALTER / DROP / DESCRIBE FEDERATED MODEL, their options
-- (types, ranges, enums, lists, conflicts, stored values in ALTER), SHOW
-- FEDERATED MODELS, and the custom aggregation name check.
.headers on
CREATE FEDERATED MODEL early WITH (algorithm = 'logistic_regression');
CREATE FEDERATED WORKSPACE healthcare_consortium;
CREATE FEDERATED MODEL disease_classifier
IN WORKSPACE healthcare_consortium
WITH (
    algorithm = 'logistic_regression',  -- Or 'neural_network', 'random_forest'
    features = ['age', 'blood_pressure', 'cholesterol', 'bmi'],
    target = 'disease_outcome',
    rounds = 50,                        -- Training rounds
    aggregation = 'fedavg'              -- FedAvg, FedProx, FedAdam
);
CREATE FEDERATED MODEL fraud_detector WITH (
    algorithm = 'NEURAL_NETWORK',
    layers = '[128, 64, 32, 1]',
    activation = 'relu',
    output_activation = 'sigmoid',
    features = 'transaction_amount, merchant_category',
    target = is_fraud,
    weighted_aggregation = 'true',
    validation_split = 0.2
);
CREATE FEDERATED MODEL forest IN WORKSPACE healthcare_consortium WITH (
    algorithm = random_forest, n_trees = 50, max_features = 0.5, criterion = 'entropy',
    features = '["a", "b"]', target = 'y'
);
CREATE FEDERATED MODEL IF NOT EXISTS forest WITH (rounds = 3);
CREATE FEDERATED MODEL forest;
CREATE FEDERATED MODEL FOREST IN WORKSPACE healthcare_consortium;
CREATE FEDERATED MODEL m2 IN WORKSPACE nowhere;
SELECT model_name, workspace, algorithm, status, rounds, target, features
FROM federated_models ORDER BY model_name;
SHOW FEDERATED MODELS;
SHOW FEDERATED MODELS IN WORKSPACE healthcare_consortium;
SHOW FEDERATED MODELS IN WORKSPACE nowhere;
-- DESCRIBE: every option with value, default and source
DESCRIBE FEDERATED MODEL fraud_detector;
DESCRIBE FEDERATED MODEL nosuch;
SELECT option, value, source FROM federated_model_options('forest') WHERE source = 'set';
-- ALTER: checked against what is stored, applied all or nothing
ALTER FEDERATED MODEL disease_classifier SET (rounds = 20, learning_rate = 0.05);
ALTER FEDERATED MODEL disease_classifier SET (layers = [8, 1]);
ALTER FEDERATED MODEL fraud_detector SET (algorithm = 'logistic_regression');
ALTER FEDERATED MODEL disease_classifier SET (early_stopping_rounds = 30);
ALTER FEDERATED MODEL disease_classifier SET (rounds = 10);
ALTER FEDERATED MODEL disease_classifier SET (rounds = 40, target = 'bmi');
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'fedprox', proximal_term = 0.01);
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'fedavg');
ALTER FEDERATED MODEL disease_classifier SET (proximal_term = NULL, aggregation = 'fedavg');
ALTER FEDERATED MODEL disease_classifier SET (secure_aggregation = true, threshold = 3);
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'median');
ALTER FEDERATED MODEL disease_classifier SET (nodes_per_round = 2);
ALTER FEDERATED MODEL disease_classifier SET (nodes_per_round = 5, fraction_per_round = 0.5);
SELECT option, value FROM federated_model_options('disease_classifier') WHERE source = 'set';
ALTER FEDERATED MODEL nosuch SET (rounds = 1);
-- a custom aggregation must name an aggregation function
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'weighted_median');
CREATE FEDERATED MODEL custom WITH (aggregation = 'weighted_median');
ALTER FEDERATED MODEL fraud_detector SET (aggregation = 'weighted_median');
-- the guide's secure aggregation
ALTER FEDERATED MODEL fraud_detector SET (
    secure_aggregation = true,       -- Enable secure aggregation
    aggregation_protocol = 'shamir', -- Shamir secret sharing
    threshold = 3                    -- Need 3+ nodes to decrypt
);
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'not a name');
ALTER FEDERATED MODEL disease_classifier SET (aggregation = 'FedAdam', beta1 = 0.8);
SELECT option, value FROM federated_model_options('disease_classifier')
WHERE option IN ('aggregation', 'beta1');
-- DROP
DROP FEDERATED MODEL forest;
DROP FEDERATED MODEL forest;
DROP FEDERATED MODEL IF EXISTS forest;
SHOW FEDERATED MODELS IN WORKSPACE nowhere;
SELECT model_name FROM federated_models ORDER BY 1;
SELECT models FROM federated_workspace_status;
