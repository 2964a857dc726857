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
    aggregation = 'fedavg'
);

SHOW FEDERATED NODES;
SELECT workspace_name, min_nodes_required, registered_nodes, compliance_mode
FROM federated_workspace_status;
SELECT option, value FROM federated_model_options('tumor_classifier') WHERE source = 'set';

-- Training (START FEDERATED TRAINING tumor_classifier) arrives with the
-- federated training engine; until then it answers "not implemented yet".
