-- helios quick start: five hospitals, one model, no rows leave a hospital.
-- Run it with ./bootstrap demo, or: helios-shell -e -f examples/quickstart.sql demo.db
-- (from the top of the source tree, so that examples/data/ is found).

-- The hospitals' data: the Wisconsin breast cancer study, 569 patients.
-- In this simulation every hospital's rows sit in one local table, and
-- each node sees only its own fifth of it through data_filter.
.import examples/data/health_breast_cancer_wdbc.csv patients
SELECT count(*) AS patients, sum(target) AS malignant FROM patients;

CREATE FEDERATED WORKSPACE oncology
WITH (
    privacy_budget = 1.0,          -- epsilon of differential privacy
    min_nodes = 3,
    compliance_mode = 'HIPAA'
);

REGISTER FEDERATED NODE 'hospital_a' WITH (endpoint = 'local', data_filter = 'rowid % 5 = 0');
REGISTER FEDERATED NODE 'hospital_b' WITH (endpoint = 'local', data_filter = 'rowid % 5 = 1');
REGISTER FEDERATED NODE 'hospital_c' WITH (endpoint = 'local', data_filter = 'rowid % 5 = 2');
REGISTER FEDERATED NODE 'hospital_d' WITH (endpoint = 'local', data_filter = 'rowid % 5 = 3');
REGISTER FEDERATED NODE 'hospital_e' WITH (endpoint = 'local', data_filter = 'rowid % 5 = 4');

CREATE FEDERATED MODEL tumor_classifier
WITH (
    algorithm = 'logistic_regression',
    source = 'patients',
    features = ['mean_radius', 'mean_texture', 'mean_smoothness',
                'mean_concave_points', 'worst_radius', 'worst_concavity'],
    target = 'target',
    rounds = 20,
    learning_rate = 0.1,
    validation_split = 0.2,        -- each hospital holds out a fifth of its rows
    aggregation = 'fedavg'
);

SHOW FEDERATED NODES;

-- Train: every round, each hospital trains on its own rows and sends back
-- only model parameters; the coordinator averages them (FedAvg).
START FEDERATED TRAINING tumor_classifier WITH (local_epochs = 2, batch_size = 32);
SELECT wait_for_convergence('tumor_classifier', timeout_seconds => 60) AS outcome;

SELECT round_number, round(global_loss, 4) AS loss,
       round(global_accuracy, 4) AS validation_accuracy, participating_nodes
FROM federated_training_status('tumor_classifier')
ORDER BY round_number DESC LIMIT 5;

-- Predict like any SQL function: a large tumour, then a small one.
SELECT round(federated_predict('tumor_classifier',
           mean_radius => 20.6, mean_texture => 29.3, mean_smoothness => 0.11,
           mean_concave_points => 0.15, worst_radius => 25.7, worst_concavity => 0.94), 3)
       AS p_malignant_large,
       round(federated_predict('tumor_classifier',
           mean_radius => 11.8, mean_texture => 17.4, mean_smoothness => 0.09,
           mean_concave_points => 0.02, worst_radius => 13.1, worst_concavity => 0.12), 3)
       AS p_malignant_small;

-- Score every row of the local table (all hospitals' rows sit in it in this
-- simulation): how many does the model get right?
SELECT count(*) AS patients,
       sum((federated_predict('tumor_classifier', mean_radius => mean_radius,
                mean_texture => mean_texture, mean_smoothness => mean_smoothness,
                mean_concave_points => mean_concave_points, worst_radius => worst_radius,
                worst_concavity => worst_concavity) > 0.5) = target) AS correct
FROM patients;

-- Evaluate on the rows each hospital held out: only counts leave them.
SELECT metric, round(value, 4) AS value FROM federated_evaluate('tumor_classifier');

TAG FEDERATED MODEL tumor_classifier AS 'v1.0';
SELECT version, tag, rounds, is_current FROM federated_model_versions('tumor_classifier');
