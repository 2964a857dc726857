-- async.sql: async_aggregation = true trains as FedBuff does (Nguyen et al.
-- 2022): idle nodes are sent the current model, and a step applies the
-- first K updates to arrive, each scaled by its staleness.  Which updates a
-- step gets depends on timing (unless HELIOS_THREADS=1), so what is checked
-- here follows from the definitions, not from one run's numbers.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 699)
  SELECT (n % 17) / 17.0 AS x1, ((n * 7) % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + ((n * 7) % 13) / 26.0 > 0.7 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 7, async_aggregation = true,
  max_staleness = 100);
REGISTER FEDERATED NODES 7 IN WORKSPACE w FROM TABLE t PARTITION BY IID SEED 3;
-- K is half the nodes by default: 3 updates a step, 8 steps
CREATE FEDERATED MODEL a WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 8, learning_rate = 0.5, seed = 5, validation_frequency = 4);
START FEDERATED TRAINING a;
SELECT wait_for_convergence('a') AS outcome;
SELECT count(*) AS steps, min(participating_nodes) AS k_min, max(participating_nodes) AS k_max,
       sum(dropped_nodes) AS dropped
FROM federated_training_metrics('a');
-- the steps lower the training loss
SELECT (SELECT global_loss FROM federated_training_metrics('a') WHERE round_number = 8)
       < (SELECT global_loss FROM federated_training_metrics('a') WHERE round_number = 1)
       AS loss_fell;
-- evaluation (which waits for the nodes in flight) every validation_frequency steps
SELECT group_concat(round_number) AS evaluated FROM federated_training_metrics('a')
WHERE global_accuracy IS NOT NULL;
-- the node idle longest is sent the model first: every node took part, 24 updates in all
SELECT count(*) AS nodes, sum(rounds_participated) AS updates FROM federated_node_status
WHERE workspace = 'w' AND rounds_participated > 0;
-- max_staleness goes with async_aggregation: it cannot stay set alone
ALTER FEDERATED WORKSPACE w SET (async_aggregation = false);
ALTER FEDERATED WORKSPACE w SET (max_staleness = NULL, async_aggregation = false);
-- K = all the nodes: a step waits for every node, each trained from the
-- current model (staleness 0), so the steps are synchronous FedAvg's rounds
-- (the same to rounding: the updates are summed in the order they arrive)
CREATE FEDERATED MODEL whole WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 5);
START FEDERATED TRAINING whole;
SELECT wait_for_convergence('whole') AS outcome;
ALTER FEDERATED WORKSPACE w SET (async_aggregation = true, aggregation_batch_size = 7);
CREATE FEDERATED MODEL buffered WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 5);
START FEDERATED TRAINING buffered;
SELECT wait_for_convergence('buffered') AS outcome;
SELECT count(*) AS rounds, max(abs(a.global_loss - b.global_loss)) < 1e-12 AS same_loss,
       min(b.participating_nodes) AS nodes
FROM federated_training_metrics('whole') a JOIN federated_training_metrics('buffered') b
  USING (round_number);
SELECT abs(federated_predict('whole', x1 => 0.3, x2 => 0.9)
           - federated_predict('buffered', x1 => 0.3, x2 => 0.9)) < 1e-12 AS same_model;
-- a server optimizer applies the step's mean update
ALTER FEDERATED WORKSPACE w SET (aggregation_batch_size = 2, max_staleness = 0);
CREATE FEDERATED MODEL adam WITH (source = 't', features = ['x1', 'x2'], target = 'y',
  rounds = 5, aggregation = 'fedadam', server_learning_rate = 0.05, seed = 5);
START FEDERATED TRAINING adam;
SELECT wait_for_convergence('adam') AS outcome;
SELECT count(*) AS steps, min(participating_nodes) AS k_min, max(participating_nodes) AS k_max
FROM federated_training_metrics('adam');
-- K is at most one update a node
ALTER FEDERATED WORKSPACE w SET (aggregation_batch_size = 8);
START FEDERATED TRAINING adam;
ALTER FEDERATED WORKSPACE w SET (aggregation_batch_size = NULL);
-- the rules that need each node's model, or one round's nodes together
CREATE FEDERATED MODEL med WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'median');
START FEDERATED TRAINING med;
CREATE FEDERATED MODEL trim WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'trimmed_mean');
START FEDERATED TRAINING trim;
CREATE FEDERATED MODEL kr WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'krum');
START FEDERATED TRAINING kr;
CREATE FEDERATED MODEL nova WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  aggregation = 'fednova');
START FEDERATED TRAINING nova;
CREATE FEDERATED MODEL sec WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  secure_aggregation = true);
START FEDERATED TRAINING sec;
CREATE FEDERATED MODEL some WITH (source = 't', features = ['x1'], target = 'y', rounds = 2,
  nodes_per_round = 3);
START FEDERATED TRAINING some;
-- max_staleness belongs to async_aggregation, and is a number of steps
CREATE FEDERATED WORKSPACE v WITH (max_staleness = 3);
CREATE FEDERATED WORKSPACE v WITH (async_aggregation = true, max_staleness = -1);
-- differential privacy: per record it is charged every step; per node it is refused
CREATE FEDERATED WORKSPACE v WITH (min_nodes = 3, async_aggregation = true,
  privacy_budget = 20, delta = 1e-5);
REGISTER FEDERATED NODES 3 IN WORKSPACE v FROM TABLE t PARTITION BY IID SEED 4;
CREATE FEDERATED MODEL private IN WORKSPACE v WITH (source = 't', features = ['x1', 'x2'],
  target = 'y', rounds = 3, seed = 5);
START FEDERATED TRAINING private;
SELECT wait_for_convergence('private') AS outcome;
SELECT count(*) AS steps, min(privacy_consumed_epsilon) > 0 AS charged
FROM federated_training_metrics('private');
ALTER FEDERATED WORKSPACE v SET (dp_level = 'node', privacy_budget = 40);
CREATE FEDERATED MODEL private2 IN WORKSPACE v WITH (source = 't', features = ['x1', 'x2'],
  target = 'y', rounds = 3, seed = 5);
START FEDERATED TRAINING private2;
