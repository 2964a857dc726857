-- quality.sql: federated_data_quality_check(m) asks every node of the
-- model's workspace for statistics of the model's features, computed at
-- the node (phase QUALITY, engine/quality.c): one row a node, its numbers
-- checked here against hand computation.  std is the SAMPLE standard
-- deviation (n - 1); an outlier has |0.6745 (x - median) / MAD| > 3.5
-- (Iglewicz and Hoaglin 1993), with MAD = 0 the mean absolute deviation
-- times 1.253314 in place of MAD / 0.6745.  A node that fails fails the
-- query, naming the node, as federated_evaluate() does.
ATTACH 'a.db' AS a;
CREATE TABLE a.t(x REAL, c TEXT, y INTEGER);
INSERT INTO a.t VALUES (1, 'p', 0), (2, 'q', 1), (3, 'p', 0), (4, NULL, 1), (100, 'r', 0),
  (NULL, 'p', 1);
DETACH a;
ATTACH 'b.db' AS b;
CREATE TABLE b.t(x REAL, c TEXT, y INTEGER);
INSERT INTO b.t VALUES (10, 'z', 0), (10, 'z', 1), (10, NULL, 0);
DETACH b;
ATTACH 'c.db' AS c;
CREATE TABLE c.t(x INTEGER, c TEXT, y INTEGER);
INSERT INTO c.t VALUES (5, 'u', 0), (5, 'v', 1), (5, 'w', 0), (5, 'u', 1), (5, 'u', 0),
  (6, 'u', 1);
DETACH c;
CREATE FEDERATED WORKSPACE w;
REGISTER FEDERATED NODE 'a' WITH (endpoint = 'local', database = 'a.db');
REGISTER FEDERATED NODE 'b' WITH (endpoint = 'local', database = 'b.db');
REGISTER FEDERATED NODE 'c' WITH (endpoint = 'local', database = 'c.db');
CREATE FEDERATED MODEL m WITH (features = ['x', 'c'], target = 'y');
-- never trained: the check needs only the features
SELECT node_name, feature_statistics, missing_values, outliers
FROM federated_data_quality_check('m');
-- a: x = 1, 2, 3, 4, 100 and one NULL.
--    count 5, missing 1; mean 110 / 5 = 22; min 1, max 100;
--    deviations -21 -20 -19 -18 78, squares sum 441 + 400 + 361 + 324 + 6084
--    = 7610, sample std sqrt(7610 / 4) = sqrt(1902.5) = 43.6176...;
--    median 3, |x - 3| = 2 1 0 1 97, MAD = median(0 1 1 2 97) = 1;
--    z = 0.6745 (x - 3): -1.349 -0.6745 0 0.6745 65.41: one outlier (100).
--    c = p q p NULL r p: count 5, missing 1, distinct 3 (p q r).
SELECT json_extract(feature_statistics, '$.x.count') AS count,
       json_extract(feature_statistics, '$.x.mean') AS mean,
       json_extract(feature_statistics, '$.x.std') = sqrt(1902.5) AS std_is_sqrt_1902_5,
       json_extract(feature_statistics, '$.x.min') AS min,
       json_extract(feature_statistics, '$.x.max') AS max,
       json_extract(missing_values, '$.x') AS missing,
       json_extract(outliers, '$.x') AS outliers,
       json_extract(feature_statistics, '$.c.distinct') AS c_distinct,
       json_extract(missing_values, '$.c') AS c_missing
FROM federated_data_quality_check('m') WHERE node_name = 'a';
-- b: x = 10 10 10: count 3, mean 10, std 0, min = max = 10, missing 0;
--    MAD 0 and mean absolute deviation 0: every value is the median, no
--    outlier.  c = z z NULL: count 2, distinct 1, missing 1.
SELECT json_extract(feature_statistics, '$.x') AS x, json_extract(outliers, '$.x') AS outliers,
       json_extract(feature_statistics, '$.c') AS c, json_extract(missing_values, '$.c') AS c_missing
FROM federated_data_quality_check('m') WHERE node_name = 'b';
-- c: x = 5 5 5 5 5 6: median 5, MAD = median(0 0 0 0 0 1) = 0; mean
--    absolute deviation 1/6, scale 1.253314 / 6 = 0.20889, the 6 scores
--    1 / 0.20889 = 4.79 > 3.5: one outlier.  mean 31 / 6 = 5.1667, sample
--    std sqrt((5 (1/6)^2 + (5/6)^2) / 5) = sqrt(1/6) = 0.40825.
SELECT json_extract(outliers, '$.x') AS outliers,
       round(json_extract(feature_statistics, '$.x.mean'), 4) AS mean,
       round(json_extract(feature_statistics, '$.x.std'), 5) AS std
FROM federated_data_quality_check('m') WHERE node_name = 'c';
-- the guide's form, and the function's JSON (one element a node)
SELECT federated_data_quality_check('m') AS (node_name TEXT, feature_statistics JSONB,
  missing_values JSONB, outliers JSONB);
SELECT json_array_length(federated_data_quality_check('m')) AS nodes;
-- a node that fails fails the query and is named; so is a model that does
-- not exist, or has no features
CREATE FEDERATED WORKSPACE v;
REGISTER FEDERATED NODE 'ok' IN WORKSPACE v WITH (endpoint = 'local', database = 'a.db');
REGISTER FEDERATED NODE 'broken' IN WORKSPACE v WITH (endpoint = 'local', database = 'b.db',
  data_filter = 'nosuchcolumn > 0');
CREATE FEDERATED MODEL vm IN WORKSPACE v WITH (features = ['x'], target = 'y');
SELECT node_name FROM federated_data_quality_check('vm');
CREATE FEDERATED MODEL nofeat IN WORKSPACE v WITH (target = 'y');
SELECT node_name FROM federated_data_quality_check('nofeat');
SELECT node_name FROM federated_data_quality_check('nosuchmodel');
