-- bad_values.sql: literal values (integers, hex, digit separators,
-- exponents, signs, strings with quotes, booleans, NULL, lists and lists in
-- strings), numbers of nodes, Dirichlet alphas, seeds and thresholds, and
-- files (.read, .open, .import) that cannot be used.
-- Bad inputs in this file: 60.
.headers on
-- accepted spellings first
CREATE FEDERATED WORKSPACE ws WITH (min_nodes = 0x2, max_nodes = 1_000, privacy_budget = .5e1,
    delta = 1E-5, audit_logging = 'TRUE', certificate_validation = FALSE,
    data_residency = 'it''s', compliance_mode = gdpr);
SELECT workspace_name, min_nodes_required, max_nodes, compliance_mode, privacy_budget
FROM federated_workspace_status;
CREATE TABLE t (a INTEGER, b TEXT);
-- integers
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 0x10000000000000000);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = -0x1);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 1e2);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 3.0);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = - 3);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = -9223372036854775808);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 1__0);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 10_);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 0x);
CREATE FEDERATED WORKSPACE w1 WITH (min_nodes = 0xG1);
-- reals
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1e);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1.2.3);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1e-400);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = -1e400);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = - -1);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = +-1);
-- strings, names, booleans, NULL
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = 'gdpr ');
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = '');
CREATE FEDERATED WORKSPACE w1 WITH (compliance_mode = true);
CREATE FEDERATED WORKSPACE w1 WITH (audit_logging = 'on');
CREATE FEDERATED WORKSPACE w1 WITH (audit_logging = yes);
CREATE FEDERATED WORKSPACE w1 WITH (audit_logging = 0);
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = true);
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = 1.5);
CREATE FEDERATED WORKSPACE w1 WITH (privacy_budget = 1, privacy_budget = NULL);
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = 'EU' 'US');
CREATE FEDERATED WORKSPACE w1 WITH (data_residency = 'EU' || 'US');
-- lists
CREATE FEDERATED MODEL m1 WITH (features = '[a, b]');
CREATE FEDERATED MODEL m1 WITH (features = '["a", 1]');
CREATE FEDERATED MODEL m1 WITH (features = '[]');
CREATE FEDERATED MODEL m1 WITH (features = ',');
CREATE FEDERATED MODEL m1 WITH (features = 'a,,b');
CREATE FEDERATED MODEL m1 WITH (features = [true]);
CREATE FEDERATED MODEL m1 WITH (features = [NULL]);
CREATE FEDERATED MODEL m1 WITH (features = ['a', x, 'a']);
CREATE FEDERATED MODEL m1 WITH (features = ['a',]);
CREATE FEDERATED MODEL m1 WITH (features = [,'a']);
CREATE FEDERATED MODEL m1 WITH (algorithm = 'neural_network', layers = []);
CREATE FEDERATED MODEL m1 WITH (algorithm = 'neural_network', layers = [64, -1]);
CREATE FEDERATED MODEL m1 WITH (algorithm = 'neural_network', layers = [64, 65537]);
CREATE FEDERATED MODEL m1 WITH (algorithm = 'neural_network', layers = '[64, 1');
CREATE FEDERATED MODEL m1 WITH (algorithm = 'neural_network', layers = '64, 1');
CREATE FEDERATED MODEL m1 WITH (algorithm = ['neural_network']);
CREATE FEDERATED MODEL m1 WITH (learning_rate = [0.1]);
-- numbers in statements
REGISTER FEDERATED NODES 0 FROM TABLE t PARTITION BY IID;
REGISTER FEDERATED NODES 100001 FROM TABLE t PARTITION BY IID;
REGISTER FEDERATED NODES -2 FROM TABLE t PARTITION BY IID;
REGISTER FEDERATED NODES 2 FROM TABLE t PARTITION BY DIRICHLET(a, 0.0);
REGISTER FEDERATED NODES 2 FROM TABLE t PARTITION BY DIRICHLET(a, -0.1);
REGISTER FEDERATED NODES 2 FROM TABLE t PARTITION BY IID SEED 2.5;
REGISTER FEDERATED NODES 2 FROM TABLE t PARTITION BY IID SEED 'x';
CREATE FEDERATED ALERT al ON WORKSPACE ws WHEN remaining_epsilon < 'low' NOTIFY 'x';
CREATE FEDERATED ALERT al ON WORKSPACE ws WHEN remaining_epsilon < NULL NOTIFY 'x';
CREATE FEDERATED ALERT al ON WORKSPACE ws WHEN remaining_epsilon < [1] NOTIFY 'x';
CREATE FEDERATED ALERT al ON WORKSPACE ws WHEN remaining_epsilon < 0.1 NOTIFY 42;
-- files
.read data/missing.sql
.read data
.read "data/missing file.sql"
.import data/missing.csv t2
.open
-- nothing above changed the catalog
SELECT workspace_name FROM federated_workspace_status;
SELECT count(*) AS models FROM federated_models;
