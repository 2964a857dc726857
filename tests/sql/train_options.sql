-- train_options.sql: the data and round options of a training, end to end.
-- What is checked follows from the definitions, not from the numbers.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
  SELECT (n % 17) / 17.0 AS x1,
         CASE n % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'green' ELSE NULL END AS colour,
         CASE WHEN (n % 17) / 17.0 > 0.5 THEN 1 ELSE 0 END AS y,
         CASE WHEN (n * 7) % 11 < 5 THEN 1 ELSE 0 END AS noisy
  FROM i;
-- a node with its own database file, and one that reads its share of this one
ATTACH 'site_a.db' AS a;
CREATE TABLE a.visits AS SELECT * FROM t WHERE rowid % 2 = 0;
DETACH a;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2);
REGISTER FEDERATED NODE 'site_a' WITH (endpoint = 'local', database = 'site_a.db');
REGISTER FEDERATED NODE 'here' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
-- a text feature (one-hot; NULL and unseen values encode as no category),
-- and one node a round
CREATE FEDERATED MODEL m WITH (features = ['x1', 'colour'], target = 'y', rounds = 12,
  learning_rate = 0.5, nodes_per_round = 1, seed = 2);
START FEDERATED TRAINING m;
SELECT wait_for_convergence('m') AS outcome;
SELECT count(*) AS rounds, max(participating_nodes) AS per_round FROM federated_training_status('m');
SELECT node_name, rounds_participated + 0 > 0 AS took_part, dataset_size FROM federated_node_status ORDER BY node_name;
SELECT federated_predict('m', x1 => 0.9, colour => 'red') > 0.5 AS high,
       federated_predict('m', x1 => 0.1, colour => NULL) < 0.5 AS low_null,
       federated_predict('m', x1 => 0.9, colour => 'purple') > 0.5 AS high_unseen;
-- a node whose database cannot be opened is left out, the others being
-- min_nodes = 2 (tests/sql/left_out.sql): the notice names the node and the file
REGISTER FEDERATED NODE 'empty' WITH (endpoint = 'local', database = 'nowhere.db');
START FEDERATED TRAINING m;
SELECT wait_for_convergence('m') AS outcome;
DEREGISTER FEDERATED NODE 'empty';
-- stopping early: a label the features cannot explain stops improving
CREATE FEDERATED MODEL es WITH (features = ['x1'], target = 'noisy', rounds = 200,
  learning_rate = 0.5, early_stopping_rounds = 3);
START FEDERATED TRAINING es;
SELECT wait_for_convergence('es') AS outcome;
SELECT count(*) < 200 AS stopped_early FROM federated_training_status('es');
CREATE FEDERATED MODEL ct WITH (features = ['x1'], target = 'noisy', rounds = 200,
  learning_rate = 0.5, convergence_threshold = 0.001);
START FEDERATED TRAINING ct;
SELECT wait_for_convergence('ct') AS outcome;
SELECT count(*) < 200 AS stopped_early,
       (SELECT abs(loss_delta) < 0.001 FROM federated_convergence_diagnostics('ct')
        ORDER BY round_number DESC LIMIT 1) AS last_step_small
FROM federated_convergence_diagnostics('ct');
-- every aggregator trains to completion on five nodes
CREATE FEDERATED WORKSPACE five WITH (min_nodes = 5);
REGISTER FEDERATED NODES 5 IN WORKSPACE five FROM TABLE t PARTITION BY IID SEED 4;
CREATE FEDERATED MODEL a1 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'fedprox', proximal_term = 0.1);
CREATE FEDERATED MODEL a2 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'fedadam');
CREATE FEDERATED MODEL a3 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'fedyogi');
CREATE FEDERATED MODEL a4 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'fedadagrad');
CREATE FEDERATED MODEL a5 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'median');
CREATE FEDERATED MODEL a6 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'trimmed_mean', trim_fraction = 0.2);
CREATE FEDERATED MODEL a7 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, aggregation = 'krum');
CREATE FEDERATED MODEL a8 IN WORKSPACE five WITH (source = 't', features = ['x1'], target = 'y', rounds = 5, fraction_per_round = 0.4);
START FEDERATED TRAINING a1; START FEDERATED TRAINING a2; START FEDERATED TRAINING a3;
START FEDERATED TRAINING a4; START FEDERATED TRAINING a5; START FEDERATED TRAINING a6;
START FEDERATED TRAINING a7; START FEDERATED TRAINING a8;
SELECT wait_for_convergence('a1'), wait_for_convergence('a2'), wait_for_convergence('a3'),
       wait_for_convergence('a4'), wait_for_convergence('a5'), wait_for_convergence('a6'),
       wait_for_convergence('a7'), wait_for_convergence('a8');
SELECT model_name, status FROM federated_models WHERE workspace = 'five' ORDER BY model_name;
SELECT max(participating_nodes) AS per_round FROM federated_training_status('a8');
-- with held-out rows, early stopping watches their loss
CREATE FEDERATED MODEL ev IN WORKSPACE w WITH (features = ['x1'], target = 'noisy', rounds = 300,
  learning_rate = 0.5, validation_split = 0.3, early_stopping_rounds = 5);
START FEDERATED TRAINING ev;
SELECT wait_for_convergence('ev') AS outcome;
SELECT count(*) < 300 AS stopped_early, count(global_accuracy) = count(*) AS measured_every_round
FROM federated_training_status('ev');
