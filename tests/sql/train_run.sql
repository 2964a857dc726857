-- train_run.sql: a federated training run end to end, on rows made here:
-- y = 1 exactly when x1 + x2 > 1, split over two local nodes.  What is
-- checked holds for any correct engine: the run completes, the loss goes
-- down, a separable problem is learnt, the same seed gives the same run,
-- every misuse is refused with its reason, and evaluation adds up.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE lab WITH (min_nodes = 2);
REGISTER FEDERATED NODE 'even' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'odd' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 15,
  learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING m WITH (local_epochs = 3, batch_size = 16);
SELECT wait_for_convergence('m', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, min(participating_nodes) AS nodes FROM federated_training_status('m');
SELECT (SELECT global_loss FROM federated_training_status('m') WHERE round_number = 15)
     < (SELECT global_loss FROM federated_training_status('m') WHERE round_number = 1) AS loss_went_down;
SELECT global_accuracy > 0.9 AS learnt FROM federated_training_status('m') WHERE round_number = 15;
SELECT federated_predict('m', x1 => 0.9, x2 => 0.8) > 0.5 AS high,
       federated_predict('m', x2 => 0.1, x1 => 0.2) < 0.5 AS low;
SELECT node_name, rounds_participated, dataset_size FROM federated_node_status ORDER BY node_name;
SELECT version, rounds, is_current FROM federated_model_versions('m');
-- the same seed, the same run, bit for bit
CREATE FEDERATED MODEL m2 WITH (features = ['x1', 'x2'], target = 'y', rounds = 15,
  learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING m2 WITH (local_epochs = 3, batch_size = 16);
SELECT wait_for_convergence('m2') AS outcome;
SELECT count(*) AS identical_rounds
FROM federated_training_status('m') a JOIN federated_training_status('m2') b USING (round_number)
WHERE a.global_loss = b.global_loss;
-- versions
TAG FEDERATED MODEL m AS 'first';
TAG FEDERATED MODEL m AS 'again';
ROLLBACK FEDERATED MODEL m TO VERSION 'first';
ROLLBACK FEDERATED MODEL m TO VERSION 2;
-- misuse
SELECT federated_predict('m', x1 => 0.5);
SELECT federated_predict('m', x1 => 0.5, x2 => 0.5, x3 => 1);
STOP FEDERATED TRAINING m;
CREATE FEDERATED MODEL nocol WITH (features = ['x1', 'x9'], target = 'y');
START FEDERATED TRAINING nocol;
CREATE FEDERATED MODEL notarget WITH (features = ['x1']);
START FEDERATED TRAINING notarget;
CREATE FEDERATED MODEL forest WITH (algorithm = 'random_forest', features = ['x1'], target = 'y');
START FEDERATED TRAINING forest;
ALTER FEDERATED WORKSPACE lab SET (min_nodes = 3);
START FEDERATED TRAINING m;
-- evaluation from the nodes' merged counts; without a validation split, on all 200 rows
SELECT metric FROM federated_evaluate('m2') ORDER BY metric;
SELECT value AS rows FROM federated_evaluate('m2') WHERE metric = 'rows';
SELECT value > 0.9 AS accurate FROM federated_evaluate('m2') WHERE metric = 'accuracy';
SELECT count(*) AS one_row FROM (SELECT federated_evaluate('m2') AS (global_accuracy FLOAT, per_node_metrics JSONB));
SELECT json_extract(per_node_metrics, '$.even.rows') + json_extract(per_node_metrics, '$.odd.rows') AS rows
FROM (SELECT federated_evaluate('m2') AS (per_node_metrics JSONB));
SELECT value AS rows FROM federated_evaluate('m2', 't') WHERE metric = 'rows';
-- a version against itself: no distance, no difference
SELECT json_extract(compare_federated_models('m', version_a => 1, version_b => 'first'), '$.parameter_distance') AS distance,
       json_extract(compare_federated_models('m', version_a => 1, version_b => 1), '$.loss_delta') AS loss_delta;
SELECT compare_federated_models('m', version_a => 1, version_b => 'none');
-- a checkpoint after 4 rounds, resumed up to 15: the same run as m's 15
ALTER FEDERATED WORKSPACE lab SET (min_nodes = 2);
CREATE FEDERATED MODEL m3 WITH (features = ['x1', 'x2'], target = 'y', rounds = 15,
  learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING m3 WITH (local_epochs = 3, batch_size = 16, rounds = 4);
SELECT wait_for_convergence('m3') AS outcome;
CHECKPOINT FEDERATED TRAINING m3 TO 'm3.ckpt';
CHECKPOINT FEDERATED TRAINING m3 TO 'm3.ckpt';
CHECKPOINT FEDERATED TRAINING m3 TO 'm3.ckpt' WITH (overwrite = true);
CHECKPOINT FEDERATED TRAINING m3 TO 'x.ckpt' WITH (overwrite = 1);
SELECT round_number, path FROM federated_checkpoints('m3');
RESUME FEDERATED TRAINING m3 FROM 'm3.ckpt';
RESUME FEDERATED TRAINING m FROM 'm3.ckpt';
RESUME FEDERATED TRAINING m3 FROM 'm3.ckpt' WITH (rounds = 15);
SELECT wait_for_convergence('m3') AS outcome;
SELECT count(*) AS identical_rounds
FROM federated_training_metrics('m') a JOIN federated_training_metrics('m3') b USING (round_number)
WHERE a.global_loss = b.global_loss;
SELECT federated_predict('m', x1 => 0.3, x2 => 0.9) = federated_predict('m3', x1 => 0.3, x2 => 0.9) AS same_model;
RESUME FEDERATED TRAINING m3;
-- the nodes that trained are active, with the time they were last seen
SELECT node_name, status, last_seen = '2026-01-15 12:00:00' AS seen_now FROM federated_node_status ORDER BY node_name;
