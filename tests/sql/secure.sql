-- secure.sql: secure aggregation (Bonawitz et al. 2017; src/secagg/) in
-- training rounds.  The coordinator gets only the sum of the nodes' masked
-- updates, so the same run with and without it must give the same models
-- up to the fixed-point quantization (each round's mean update is exact to
-- about 1e-9 here), weighted by rows or not.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 299)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE lab WITH (min_nodes = 2);
-- Dirichlet label skew: nodes of different sizes, so weights matter
REGISTER FEDERATED NODES 6 IN WORKSPACE lab FROM TABLE t PARTITION BY DIRICHLET(y, 1.0) SEED 3;
CREATE FEDERATED MODEL plain WITH (features = ['x1', 'x2'], target = 'y', rounds = 12,
  learning_rate = 0.5, seed = 7);
CREATE FEDERATED MODEL masked WITH (features = ['x1', 'x2'], target = 'y', rounds = 12,
  learning_rate = 0.5, seed = 7, secure_aggregation = true, aggregation_protocol = 'shamir');
START FEDERATED TRAINING plain WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('plain', timeout_seconds => 60) AS outcome;
START FEDERATED TRAINING masked WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('masked', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, max(abs(a.global_loss - b.global_loss)) < 1e-6 AS same_losses,
       min(b.participating_nodes) AS nodes
FROM federated_training_status('plain') a JOIN federated_training_status('masked') b
USING (round_number);
SELECT count(*) AS nodes, count(DISTINCT dataset_size) > 1 AS unequal FROM federated_node_status;
SELECT abs(federated_predict('plain', x1 => 0.3, x2 => 0.9)
         - federated_predict('masked', x1 => 0.3, x2 => 0.9)) < 1e-6 AS same_model;
-- unweighted, and a threshold of 4 of the 6
CREATE FEDERATED MODEL plain_u WITH (features = ['x1', 'x2'], target = 'y', rounds = 5,
  learning_rate = 0.5, seed = 7, weighted_aggregation = false);
CREATE FEDERATED MODEL masked_u WITH (features = ['x1', 'x2'], target = 'y', rounds = 5,
  learning_rate = 0.5, seed = 7, weighted_aggregation = false, secure_aggregation = true,
  threshold = 4);
START FEDERATED TRAINING plain_u;
SELECT wait_for_convergence('plain_u', timeout_seconds => 60) AS outcome;
START FEDERATED TRAINING masked_u;
SELECT wait_for_convergence('masked_u', timeout_seconds => 60) AS outcome;
SELECT max(abs(a.global_loss - b.global_loss)) < 1e-6 AS same_losses
FROM federated_training_status('plain_u') a JOIN federated_training_status('masked_u') b
USING (round_number);
-- with a sample of the nodes each round
CREATE FEDERATED MODEL masked_s WITH (features = ['x1', 'x2'], target = 'y', rounds = 4,
  learning_rate = 0.5, seed = 7, secure_aggregation = true, nodes_per_round = 3);
START FEDERATED TRAINING masked_s;
SELECT wait_for_convergence('masked_s', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, max(participating_nodes) AS nodes FROM federated_training_status('masked_s');
-- refused: aggregations that need each update, a threshold above the
-- nodes of a round
CREATE FEDERATED MODEL bad1 WITH (features = ['x1', 'x2'], target = 'y',
  secure_aggregation = true, aggregation = 'median');
CREATE FEDERATED MODEL bad2 WITH (features = ['x1', 'x2'], target = 'y',
  secure_aggregation = true, aggregation = 'fednova');
CREATE FEDERATED MODEL bad3 WITH (features = ['x1', 'x2'], target = 'y',
  secure_aggregation = true, threshold = 7);
START FEDERATED TRAINING bad3;
-- with node-level differential privacy the nodes add the noise in shares
-- (each 1/t of its variance, t the threshold), so only the sum is noised
CREATE FEDERATED WORKSPACE dp WITH (min_nodes = 2, privacy_budget = 30, dp_level = 'node',
  noise_multiplier = 1.0, clipping_threshold = 0.5);
REGISTER FEDERATED NODES 6 IN WORKSPACE dp FROM TABLE t PARTITION BY IID SEED 1;
CREATE FEDERATED MODEL dpm IN WORKSPACE dp WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 5, learning_rate = 0.5, seed = 7, secure_aggregation = true);
START FEDERATED TRAINING dpm;
SELECT wait_for_convergence('dpm', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds,
       abs(max(cumulative_epsilon) - federated_dp_epsilon(1.0, 1.0, 5, 1e-5)) < 1e-9 AS accounted
FROM federated_privacy_history WHERE workspace_name = 'dp';
-- adaptive clipping too: the nodes send their clipped updates over the
-- round's clip, and their clip reports, both masked and noised in shares
ALTER FEDERATED WORKSPACE dp SET (adaptive_clipping = true, clipping_threshold = 0.01,
  adaptive_clipping_count_stddev = 1.0);
CREATE FEDERATED MODEL dpa IN WORKSPACE dp WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 7, secure_aggregation = true);
START FEDERATED TRAINING dpa;
SELECT wait_for_convergence('dpa', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, sum(round_number = 1 AND clipping_threshold = 0.01) AS starts_at_clip,
       count(DISTINCT clipping_threshold) > 1 AS moved
FROM federated_privacy_history WHERE model_name = 'dpa';
