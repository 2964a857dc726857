-- left_out.sql: START and RESUME go on without a node that fails SCHEMA,
-- STATS or SETUP (it cannot be reached, or has an error of its own) when
-- at least the workspace's min_nodes others answer.  The node is left out
-- of the run: not in its rounds, their evaluation or secure aggregation's
-- count; the catalog marks it failed with its reason, and the notice names
-- it.  With fewer left, START fails with the first failure in the node's
-- own words, as an error every node has (the model's) always does.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y
  FROM i;
-- a site whose table has no target column
ATTACH 'nocol.db' AS o;
CREATE TABLE o.t AS SELECT x1, x2 FROM t;
DETACH o;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2);
REGISTER FEDERATED NODE 'a' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'b' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
REGISTER FEDERATED NODE 'broken' WITH (endpoint = 'local', database = 'nowhere.db');
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 4,
  learning_rate = 0.5, seed = 3);
-- 'broken' fails SCHEMA; a and b are the min_nodes = 2: the run goes on with them
START FEDERATED TRAINING m;
SELECT wait_for_convergence('m') AS outcome;
SELECT round_number, participating_nodes, dropped_nodes FROM federated_training_metrics('m');
SELECT node_name, status, rounds_participated FROM federated_node_status;
SELECT node_name, connection_status, failure_reason FROM federated_node_diagnostics;
-- RESUME asks for SETUP again, and leaves the node out again
CHECKPOINT FEDERATED TRAINING m TO 'm.ckpt';
RESUME FEDERATED TRAINING m FROM 'm.ckpt' WITH (rounds = 6);
SELECT wait_for_convergence('m') AS outcome;
SELECT round_number, participating_nodes, dropped_nodes FROM federated_training_metrics('m');
-- secure aggregation counts the two that answered (a third would never
-- send its masked update), and weighs by their rows: the same model to 1e-6
CREATE FEDERATED MODEL masked WITH (features = ['x1', 'x2'], target = 'y', rounds = 4,
  learning_rate = 0.5, seed = 3, secure_aggregation = true);
START FEDERATED TRAINING masked;
SELECT wait_for_convergence('masked') AS outcome;
-- errors of a node's own: no target column, a data_filter that does not run
REGISTER FEDERATED NODE 'nocol' WITH (endpoint = 'local', database = 'nocol.db');
REGISTER FEDERATED NODE 'badfilter' WITH (endpoint = 'local', data_filter = 'nosuch > 0');
START FEDERATED TRAINING m;
SELECT wait_for_convergence('m') AS outcome;
SELECT count(*) AS rounds, max(abs(a.global_loss - b.global_loss)) < 1e-6 AS same_losses,
       min(b.participating_nodes) AS nodes
FROM federated_training_status('m') a JOIN federated_training_status('masked') b
USING (round_number);
SELECT node_name, status, failure_reason FROM federated_node_status
JOIN federated_node_diagnostics USING (workspace, node_name);
-- min_nodes = 3: two answer, too few; START names the first failure
ALTER FEDERATED WORKSPACE w SET (min_nodes = 3);
START FEDERATED TRAINING m;
ALTER FEDERATED WORKSPACE w SET (min_nodes = 2);
-- a target that no node has is the model's error: every node fails, START too
CREATE FEDERATED MODEL nowhere WITH (features = ['x1'], target = 'nosuch');
START FEDERATED TRAINING nowhere;
-- with the failing nodes gone, the same run as with them left out, to the bit
DEREGISTER FEDERATED NODE 'broken';
DEREGISTER FEDERATED NODE 'nocol';
DEREGISTER FEDERATED NODE 'badfilter';
CREATE FEDERATED MODEL m2 WITH (features = ['x1', 'x2'], target = 'y', rounds = 4,
  learning_rate = 0.5, seed = 3);
START FEDERATED TRAINING m2;
SELECT wait_for_convergence('m2') AS outcome;
SELECT count(*) AS rounds, min(a.global_loss = b.global_loss) AS same_losses
FROM federated_training_status('m') a JOIN federated_training_status('m2') b
USING (round_number);
