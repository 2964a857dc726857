-- batch.sql: aggregation_batch_size folds the updates into a running sum as
-- they arrive; the mean is the same as all at once (to rounding), and the
-- aggregations and options it cannot work with are refused.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 699)
  SELECT (n % 17) / 17.0 AS x1, ((n * 7) % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + ((n * 7) % 13) / 26.0 > 0.7 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 7);
REGISTER FEDERATED NODES 7 IN WORKSPACE w FROM TABLE t PARTITION BY IID SEED 3;
CREATE FEDERATED MODEL whole WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 5);
START FEDERATED TRAINING whole;
SELECT wait_for_convergence('whole') AS outcome;
ALTER FEDERATED WORKSPACE w SET (aggregation_batch_size = 3);
CREATE FEDERATED MODEL folded WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 5);
START FEDERATED TRAINING folded;
SELECT wait_for_convergence('folded') AS outcome;
-- the same losses, round by round (the global model of each round is the same)
SELECT count(*) AS rounds, max(abs(a.global_loss - b.global_loss)) < 1e-12 AS same_loss,
       min(b.participating_nodes) AS nodes
FROM federated_training_metrics('whole') a JOIN federated_training_metrics('folded') b
  USING (round_number);
SELECT abs(federated_predict('whole', x1 => 0.3, x2 => 0.9)
           - federated_predict('folded', x1 => 0.3, x2 => 0.9)) < 1e-12 AS same_model;
-- a robust rule needs every update at once
CREATE FEDERATED MODEL med WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'median');
START FEDERATED TRAINING med;
CREATE FEDERATED MODEL nova WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'fednova');
START FEDERATED TRAINING nova;
-- with secure aggregation the coordinator holds no update
CREATE FEDERATED MODEL sec WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  secure_aggregation = true);
START FEDERATED TRAINING sec;
-- the server optimizers take the folded mean
CREATE FEDERATED MODEL adam WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 3, aggregation = 'fedadam', seed = 5);
START FEDERATED TRAINING adam;
SELECT wait_for_convergence('adam') AS outcome;
