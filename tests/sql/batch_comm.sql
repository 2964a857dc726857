-- batch_comm.sql: batch_communication = true sends a round's evaluation
-- with the next round's training requests (one exchange a round, not two).
-- The models, the losses and the accuracies are those of the same training
-- without it; early stopping stops at the same round, with the same model
-- (the round trained after the stopping round is not taken).
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 699)
  SELECT (n % 17) / 17.0 AS x1, ((n * 7) % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + ((n * 7) % 13) / 26.0 > 0.7 THEN 1 ELSE 0 END AS y,
         CASE WHEN (n * 7) % 11 < 5 THEN 1 ELSE 0 END AS noisy
  FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 5);
REGISTER FEDERATED NODES 5 IN WORKSPACE w FROM TABLE t PARTITION BY IID SEED 3;
CREATE FEDERATED MODEL one WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 8, learning_rate = 0.5, seed = 5, validation_split = 0.2);
START FEDERATED TRAINING one;
SELECT wait_for_convergence('one') AS outcome;
CREATE FEDERATED MODEL es1 WITH (source = 't', features = ['x1'], target = 'noisy',
  rounds = 200, learning_rate = 0.5, seed = 5, validation_split = 0.3,
  early_stopping_rounds = 3);
START FEDERATED TRAINING es1;
SELECT wait_for_convergence('es1') AS outcome;
ALTER FEDERATED WORKSPACE w SET (batch_communication = true);
CREATE FEDERATED MODEL two WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 8, learning_rate = 0.5, seed = 5, validation_split = 0.2);
START FEDERATED TRAINING two;
SELECT wait_for_convergence('two') AS outcome;
CREATE FEDERATED MODEL es2 WITH (source = 't', features = ['x1'], target = 'noisy',
  rounds = 200, learning_rate = 0.5, seed = 5, validation_split = 0.3,
  early_stopping_rounds = 3);
START FEDERATED TRAINING es2;
SELECT wait_for_convergence('es2') AS outcome;
-- every round: the same loss and the same accuracy
SELECT count(*) AS rounds, sum(a.global_loss = b.global_loss) AS same_loss,
       sum(a.global_accuracy = b.global_accuracy) AS same_accuracy
FROM federated_training_status('one') a JOIN federated_training_status('two') b
  USING (round_number);
SELECT federated_predict('one', x1 => 0.3, x2 => 0.9)
       = federated_predict('two', x1 => 0.3, x2 => 0.9) AS same_model;
-- no separate evaluation but the last round's: 5 nodes x 3 parameters x 8
-- bytes sent once, not 8 times
SELECT round(sum(network_sent_mb) * 1e6) AS eval_sent FROM federated_performance_metrics
WHERE model_name = 'one' AND phase = 'evaluation';
SELECT round(sum(network_sent_mb) * 1e6) AS eval_sent FROM federated_performance_metrics
WHERE model_name = 'two' AND phase = 'evaluation';
-- early stopping: stopped before 200, at the same round, the same model
SELECT (SELECT count(*) FROM federated_training_status('es1')) < 200 AS stopped_early,
       (SELECT count(*) FROM federated_training_status('es1'))
       = (SELECT count(*) FROM federated_training_status('es2')) AS same_rounds,
       federated_predict('es1', x1 => 0.7) = federated_predict('es2', x1 => 0.7) AS same_model;
