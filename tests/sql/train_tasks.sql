-- train_tasks.sql: regression and multiclass end to end, on rows made here
-- with known answers: y = 2 x1 + 3 x2 + 1 exactly, and band = low / mid /
-- high by thirds of x1.
CREATE TABLE r AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 299)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         2 * ((n % 17) / 17.0) + 3 * ((n % 13) / 13.0) + 1 AS y,
         CASE WHEN (n % 17) / 17.0 < 0.33 THEN 'low'
              WHEN (n % 17) / 17.0 < 0.66 THEN 'mid' ELSE 'high' END AS band
  FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2);
REGISTER FEDERATED NODES 3 FROM TABLE r PARTITION BY IID SEED 1;
-- regression: the value, close to the exact one
CREATE FEDERATED MODEL reg WITH (algorithm = 'linear_regression', source = 'r',
  features = ['x1', 'x2'], target = 'y', rounds = 40, learning_rate = 0.1);
START FEDERATED TRAINING reg;
SELECT wait_for_convergence('reg') AS outcome;
SELECT abs(federated_predict('reg', x1 => 0.5, x2 => 0.5) - 3.5) < 0.05 AS close_to_3_5;
SELECT metric FROM federated_evaluate('reg') ORDER BY metric;
SELECT value > 0.99 AS r2_high FROM federated_evaluate('reg') WHERE metric = 'r2';
-- multiclass: the label
CREATE FEDERATED MODEL cls WITH (source = 'r', features = ['x1'], target = 'band',
  rounds = 40, learning_rate = 0.5);
START FEDERATED TRAINING cls;
SELECT wait_for_convergence('cls') AS outcome;
SELECT federated_predict('cls', x1 => 0.1) AS a, federated_predict('cls', x1 => 0.5) AS b,
       federated_predict('cls', x1 => 0.9) AS c;
SELECT value > 0.9 AS accurate FROM federated_evaluate('cls') WHERE metric = 'accuracy';
-- a target that does not fit the algorithm
CREATE FEDERATED MODEL bad WITH (algorithm = 'linear_regression', source = 'r',
  features = ['x1'], target = 'band');
START FEDERATED TRAINING bad;
CREATE TABLE c AS SELECT x1, 1 AS k FROM r;
CREATE FEDERATED MODEL one WITH (source = 'c', features = ['x1'], target = 'k');
START FEDERATED TRAINING one;
-- the features as one JSON object (for models wider than SQL's 127 arguments)
SELECT federated_predict('reg', '{"x2": 0.25, "x1": 0.75}') = federated_predict('reg', x1 => 0.75, x2 => 0.25) AS same;
SELECT federated_predict('reg', '{"x1": 0.75}');
SELECT federated_predict('reg', '{"x1": 0.75, "x2": 0.25, "x3": 1}');
