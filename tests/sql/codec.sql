-- codec.sql: a node's update compressed (quantization, top-k sparsification
-- with error feedback; engine/update_codec.h), in-process.  The traffic
-- follows from the sizes: 5 nodes, 3 parameters; a round sends 3 x 8 bytes
-- to each node; full precision answers 3 x 8, quantization = 8 answers 3
-- bytes and an 8-byte scale, 16 bits 6 + 8; sparsity 0.6 keeps
-- max(1, 3 - floor(1.8)) = 2 values of 8 bytes, with 4-byte indices.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 699)
  SELECT (n % 17) / 17.0 AS x1, ((n * 7) % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + ((n * 7) % 13) / 26.0 > 0.7 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 5);
REGISTER FEDERATED NODES 5 IN WORKSPACE w FROM TABLE t PARTITION BY IID SEED 3;
CREATE FEDERATED MODEL full WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 10, learning_rate = 0.5, seed = 5);
CREATE FEDERATED MODEL q8 WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 10, learning_rate = 0.5, seed = 5, quantization = 8);
CREATE FEDERATED MODEL q16 WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 10, learning_rate = 0.5, seed = 5, quantization = 16);
CREATE FEDERATED MODEL sp WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 10, learning_rate = 0.5, seed = 5, gradient_sparsification = 0.6);
START FEDERATED TRAINING full;
SELECT wait_for_convergence('full') AS outcome;
START FEDERATED TRAINING q8;
SELECT wait_for_convergence('q8') AS outcome;
START FEDERATED TRAINING q16;
SELECT wait_for_convergence('q16') AS outcome;
START FEDERATED TRAINING sp;
SELECT wait_for_convergence('sp') AS outcome;
-- bytes a round: 5 x 24 sent, and 5 x (24 | 3 + 8 | 6 + 8 | 2 x 8 + 2 x 4) received
SELECT round(communication_mb * 1e6) AS bytes FROM federated_training_metrics('full') WHERE round_number = 1;
SELECT round(communication_mb * 1e6) AS bytes FROM federated_training_metrics('q8') WHERE round_number = 1;
SELECT round(communication_mb * 1e6) AS bytes FROM federated_training_metrics('q16') WHERE round_number = 1;
SELECT round(communication_mb * 1e6) AS bytes FROM federated_training_metrics('sp') WHERE round_number = 1;
-- the same first round (the global model is the same), then close to full
-- precision: 16 bits within 1e-5 of its loss, 8 bits within 1e-3; the
-- delayed coordinates of top-k within 1e-2
SELECT f.round_number, abs(a.global_loss - f.global_loss) < 1e-5 AS q16_close,
       abs(b.global_loss - f.global_loss) < 1e-3 AS q8_close,
       abs(c.global_loss - f.global_loss) < 1e-2 AS sparse_close
FROM federated_training_metrics('full') f
  JOIN federated_training_metrics('q16') a USING (round_number)
  JOIN federated_training_metrics('q8') b USING (round_number)
  JOIN federated_training_metrics('sp') c USING (round_number)
WHERE f.round_number IN (1, 10);
-- the workspace's quantization is the default of its models
ALTER FEDERATED WORKSPACE w SET (quantization = 8);
CREATE FEDERATED MODEL wq WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 2, learning_rate = 0.5, seed = 5);
START FEDERATED TRAINING wq;
SELECT wait_for_convergence('wq') AS outcome;
SELECT round(communication_mb * 1e6) AS bytes FROM federated_training_metrics('wq') WHERE round_number = 1;
-- secure aggregation sends the update masked, in fixed point: refused
CREATE FEDERATED MODEL sec WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  secure_aggregation = true, quantization = 16);
START FEDERATED TRAINING sec;
ALTER FEDERATED MODEL sec SET (quantization = 32, gradient_sparsification = 0.5);
START FEDERATED TRAINING sec;
-- node-level differential privacy clips the update: refused
ALTER FEDERATED WORKSPACE w SET (privacy_budget = 10.0, dp_level = 'node');
CREATE FEDERATED MODEL dpn WITH (source = 't', features = ['x1'], target = 'y', rounds = 2);
START FEDERATED TRAINING dpn;
