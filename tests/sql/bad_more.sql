-- bad_more.sql: cases whose first answers were wrong (found while writing
-- the golden tests), now right: 24 error cases.
CREATE FEDERATED WORKSPACE w1 WITH (max_nodes = 10);
CREATE FEDERATED WORKSPACE w2;
REGISTER FEDERATED NODE a IN WORKSPACE w1;
REGISTER FEDERATED NODE b IN WORKSPACE w1;
REGISTER FEDERATED NODE c IN WORKSPACE w1;
-- max_nodes cannot drop below the registered nodes
ALTER FEDERATED WORKSPACE w1 SET (min_nodes = 1, max_nodes = 2);
-- alerts: the metric, the threshold and the target are checked
CREATE FEDERATED ALERT low ON WORKSPACE w1 WHEN remaning_epsilon < 0.1 NOTIFY 'ops@x.org';
CREATE FEDERATED ALERT low ON WORKSPACE w1 WHEN bogus < 0.1 NOTIFY 'ops@x.org';
CREATE FEDERATED ALERT low ON WORKSPACE w1 WHEN global_loss > 1e400 NOTIFY 'ops@x.org';
CREATE FEDERATED ALERT low ON WORKSPACE w1 WHEN global_loss > 1 NOTIFY '';
-- the same alert name in two workspaces: ON WORKSPACE says which
CREATE FEDERATED ALERT low ON WORKSPACE w1 WHEN remaining_epsilon < 0.1 NOTIFY 'ops@x.org';
CREATE FEDERATED ALERT low ON WORKSPACE w2 WHEN remaining_epsilon < 0.1 NOTIFY 'ops@x.org';
DROP FEDERATED ALERT low;
DROP FEDERATED ALERT low ON WORKSPACE w2;
DROP FEDERATED ALERT low ON WORKSPACE nowhere;
SELECT alert_name, workspace FROM federated_alerts;
-- REGISTER FEDERATED NODES: count, alpha, seed and endpoint
CREATE TABLE t(x, y);
REGISTER FEDERATED NODES 99999999999999999999 IN WORKSPACE w1 FROM TABLE t PARTITION BY IID;
REGISTER FEDERATED NODES 2 IN WORKSPACE w2 FROM TABLE t PARTITION BY DIRICHLET(y, 1e400);
REGISTER FEDERATED NODES 2 IN WORKSPACE w2 FROM TABLE t PARTITION BY IID SEED -5;
REGISTER FEDERATED NODES 2 IN WORKSPACE w2 FROM TABLE t PARTITION BY IID WITH (endpoint = 'https://x:1');
-- statements that are not implemented yet still check what they can
CREATE FEDERATED MODEL m IN WORKSPACE w2 WITH (features = ['x'], target = 'y');
TAG FEDERATED MODEL m AS '';
CHECKPOINT FEDERATED TRAINING m TO '';
EXPORT FEDERATED DATA FOR SUBJECT 'u1' FROM WORKSPACE w2 TO 'u1.xml' FORMAT 'xml';
DELETE FROM FEDERATED TRAINING m WHERE nosuch_col = 'u1';
-- an integer past 64 bits is out of range, not of the wrong type
ALTER FEDERATED WORKSPACE w2 SET (round_timeout = 99999999999999999999);
-- conflicts with stored values: one pair of parentheses
ALTER FEDERATED MODEL m SET (features = ['y', 'x']);
-- a repeated named argument: the second one
SELECT wait_for_convergence('m', timeout_seconds => 1, timeout_seconds => 2);
-- a view without arguments answers with rows (none here: nothing spent)
SELECT * FROM federated_privacy_history;
DELETE FROM federated_models;
-- reserved names, quoted or not, for tables and indexes
CREATE TABLE "HL_X"(a);
CREATE INDEX hl_idx ON t(x);
-- blank names
CREATE FEDERATED WORKSPACE '   ';
-- INTERVAL needs a string
SELECT NOW() - INTERVAL 5;
.nodes nowhere
-- a time in parentheses after a keyword is not a function call
CREATE TABLE ts_t(ts); INSERT INTO ts_t VALUES ('2026-01-15 11:00:00');
SELECT (ts) - INTERVAL '1 day' FROM ts_t WHERE (ts) - INTERVAL '1 hour' < NOW();
