-- bad_options.sql: option errors of workspaces, nodes, models and training
-- runs: unknown names (with "did you mean"), wrong types, out of range,
-- enum values not in their set, lists where a scalar is due and the
-- reverse, duplicates, and conflicts, also with stored values in ALTER.
-- Each error points at the option (or value) at fault; nothing is created.
-- Bad inputs in this file: 116.
CREATE FEDERATED WORKSPACE ws WITH (min_nodes = 2, max_nodes = 10, privacy_budget = 1.0);
CREATE FEDERATED MODEL m WITH (rounds = 20, features = ['a', 'b'], target = 'y');
REGISTER FEDERATED NODE 'n' WITH (endpoint = 'https://n.example.com:8443');
-- unknown names
CREATE FEDERATED WORKSPACE w1 WITH (privcy_budget = 0.5);
CREATE FEDERATED WORKSPACE w1 WITH (min_node = 3);
CREATE FEDERATED WORKSPACE w1 WITH (MIN_NODES = 3, maxnodes = 4);
CREATE FEDERATED WORKSPACE w1 WITH (frobnicate = 1);
CREATE FEDERATED WORKSPACE w1 WITH (algorithm = 'neural_network');
CREATE FEDERATED WORKSPACE w1 WITH (endpoint = 'local');
REGISTER FEDERATED NODE 'n2' WITH (endpoints = 'local');
REGISTER FEDERATED NODE 'n2' WITH (rounds = 3);
CREATE FEDERATED MODEL m2 WITH (algoritm = 'neural_network');
CREATE FEDERATED MODEL m2 WITH (learningrate = 0.1);
CREATE FEDERATED MODEL m2 WITH (compliance_mode = 'GDPR');
CREATE FEDERATED MODEL m2 WITH (x = 1);
ALTER FEDERATED MODEL m SET (round = 5);
ALTER FEDERATED WORKSPACE ws SET (min_nodes_per_rnd = 5);
-- wrong types
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 'three');
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 2.5);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = true);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 'high');
CREATE FEDERATED WORKSPACE w1 WITH (audit_logging = 1);
CREATE FEDERATED WORKSPACE w1 WITH (audit_logging = 'yes');
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = 42);
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = '');
CREATE FEDERATED MODEL m2 WITH (target = ['y']);
CREATE FEDERATED MODEL m2 WITH (rounds = [5]);
CREATE FEDERATED MODEL m2 WITH (features = 5);
CREATE FEDERATED MODEL m2 WITH (features = []);
CREATE FEDERATED MODEL m2 WITH (features = ['a', 2]);
CREATE FEDERATED MODEL m2 WITH (features = ['a', '']);
CREATE FEDERATED MODEL m2 WITH (features = ['a', 'b', 'A']);
CREATE FEDERATED MODEL m2 WITH (features = '["a", ]');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'neural_network', layers = [128, 'x']);
CREATE FEDERATED MODEL m2 WITH (algorithm = 'neural_network', layers = [128, 0]);
CREATE FEDERATED MODEL m2 WITH (algorithm = 'neural_network', layers = '[64, 1.5]');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'neural_network', layers = 64);
REGISTER FEDERATED NODE 'n2' WITH (max_cpu_cores = 'many');
-- out of range
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 0);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = -3);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 0);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = -0.5);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1e400);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1.0, delta = 1);
CREATE FEDERATED WORKSPACE w1 WITH (retention_days = 36501);
CREATE FEDERATED MODEL m2 WITH (rounds = 0);
CREATE FEDERATED MODEL m2 WITH (learning_rate = 0.0);
CREATE FEDERATED MODEL m2 WITH (validation_split = 1);
CREATE FEDERATED MODEL m2 WITH (gradient_sparsification = 1.0);
CREATE FEDERATED MODEL m2 WITH (aggregation = 'trimmed_mean', trim_fraction = 0.5);
CREATE FEDERATED MODEL m2 WITH (seed = -1);
REGISTER FEDERATED NODE 'n2' WITH (max_memory_gb = 0);
REGISTER FEDERATED NODE 'n2' WITH (max_cpu_cores = 5000);
-- enums
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'SOX');
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'HIPPA');
CREATE FEDERATED WORKSPACE w1 WITH (encryption = 'AES-128');
CREATE FEDERATED WORKSPACE w1 WITH (tls_version = '1.2');
CREATE FEDERATED WORKSPACE w1 WITH (tls_version = 1.2);
CREATE FEDERATED WORKSPACE w1 WITH (compression = 'gzip');
CREATE FEDERATED WORKSPACE w1 WITH (compression = 'zst');
CREATE FEDERATED WORKSPACE w1 WITH (quantization = 4);
CREATE FEDERATED WORKSPACE w1 WITH (quantization = '8');
CREATE FEDERATED WORKSPACE w1 WITH (communication_protocol = 'grpc');
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1, noise_mechanism = 'gauss');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'svm');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'random_forrest');
CREATE FEDERATED MODEL m2 WITH (algorithm = 5);
CREATE FEDERATED MODEL m2 WITH (optimizer = 'adma');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'random_forest', max_features = 'all');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'random_forest', max_features = 1.5);
CREATE FEDERATED MODEL m2 WITH (secure_aggregation = true, aggregation_protocol = 'paillier');
-- endpoints
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'ftp://x:21');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'https://host');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'https://host:99999');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'https://:8443');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'tls://bad host:1');
-- duplicates
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 2, min_nodes = 3);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 2, MIN_NODES = 3);
ALTER FEDERATED MODEL m SET (rounds = 5, learning_rate = 0.1, rounds = 6);
-- conflicts within a statement
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 10, max_nodes = 5);
CREATE FEDERATED WORKSPACE w1 WITH (max_nodes = 5, min_nodes_per_round = 6);
CREATE FEDERATED WORKSPACE w1 WITH (round_timeout = 60, stragglers_timeout = 120);
CREATE FEDERATED WORKSPACE w1 WITH (delta = 1e-5);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 0.5, privacy_per_round = 1);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1, adaptive_clipping_quantile = 0.3);
CREATE FEDERATED WORKSPACE w1 WITH (compression_level = 3);
CREATE FEDERATED WORKSPACE w1 WITH (compression = 'lz4', compression_level = 20);
CREATE FEDERATED WORKSPACE w1 WITH (reconnect_interval = 5);
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'HIPAA', encryption = 'none');
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'BOTH', audit_logging = false);
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'HIPAA', retention_days = 365);
CREATE FEDERATED WORKSPACE w1 WITH (certificate_validation = false, compliance_mode = 'HIPAA');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'tls://n2:1', database = 'x.db');
REGISTER FEDERATED NODE 'n2' WITH (data_filter = 'age > 18', endpoint = 'https://n2:1');
REGISTER FEDERATED NODE 'n2' WITH (backup_endpoint = 'https://b:1');
REGISTER FEDERATED NODE 'n2' WITH (endpoint = 'https://a:1', backup_endpoint = 'HTTPS://a:1');
CREATE FEDERATED MODEL m2 WITH (layers = [8, 1]);
CREATE FEDERATED MODEL m2 WITH (algorithm = 'gradient_boosting', criterion = 'gini');
CREATE FEDERATED MODEL m2 WITH (algorithm = 'random_forest', lambda = 1.0);
CREATE FEDERATED MODEL m2 WITH (target = 'a', features = ['a', 'b']);
CREATE FEDERATED MODEL m2 WITH (trim_fraction = 0.2);
CREATE FEDERATED MODEL m2 WITH (aggregation = 'fedavg', byzantine_nodes = 1);
CREATE FEDERATED MODEL m2 WITH (server_learning_rate = 0.5);
CREATE FEDERATED MODEL m2 WITH (rounds = 5, early_stopping_rounds = 6);
CREATE FEDERATED MODEL m2 WITH (threshold = 3);
CREATE FEDERATED MODEL m2 WITH (secure_aggregation = true, aggregation = 'krum');
CREATE FEDERATED MODEL m2 WITH (unlearning_shards = 8);
-- conflicts with what is stored
ALTER FEDERATED WORKSPACE ws SET (min_nodes = 11);
ALTER FEDERATED WORKSPACE ws SET (max_nodes = 1);
ALTER FEDERATED WORKSPACE ws SET (privacy_per_round = 2);
ALTER FEDERATED WORKSPACE ws SET (privacy_budget = NULL, delta = 1e-5);
ALTER FEDERATED WORKSPACE ws SET (compliance_mode = 'HIPAA', retention_days = 100);
ALTER FEDERATED MODEL m SET (rounds = 5, early_stopping_rounds = 10);
ALTER FEDERATED MODEL m SET (target = 'b');
ALTER FEDERATED NODE 'n' SET (database = 'x.db');
-- a training run
START FEDERATED TRAINING m WITH (local_epochs = 0);
START FEDERATED TRAINING m WITH (batch_sise = 16);
START FEDERATED TRAINING m WITH (features = ['a']);
START FEDERATED TRAINING m WITH (optimizer = 'rmsprop');
-- nothing above was created or changed
SELECT workspace_name, min_nodes_required, max_nodes, privacy_budget FROM federated_workspace_status;
SELECT node_name, endpoint FROM federated_node_status;
SELECT option, value FROM federated_model_options('m') WHERE source = 'set';
