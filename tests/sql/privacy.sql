-- privacy.sql: differential privacy with an enforced budget, on the rows of
-- train_run.sql (y = 1 exactly when x1 + x2 > 1) split over two nodes of 100
-- rows.  The noise is secret (drawn from a stream the coordinator cannot
-- replay), so only what does not depend on it is shown: the accounting, the
-- ledger, the budget's enforcement, the refusals, the alerts.
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 199)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y
  FROM i;
CREATE FEDERATED WORKSPACE lab WITH (min_nodes = 2, privacy_budget = 2.0, delta = 1e-5);
REGISTER FEDERATED NODE 'even' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'odd' WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 10,
  learning_rate = 0.5, seed = 7);
-- record level (the default): DP-SGD at both nodes, q = 20/100 = 0.2, 5 steps
-- a round; no noise_multiplier given, so the smallest that fits 10 rounds in
-- epsilon 2 is calibrated and shown
START FEDERATED TRAINING m WITH (local_epochs = 1, batch_size = 20);
SELECT wait_for_convergence('m', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, count(DISTINCT noise_multiplier) AS multipliers,
       min(clipping_threshold) AS clip,
       round(max(cumulative_epsilon), 6) AS spent
FROM federated_privacy_history;
-- the per-round epsilons add up to the total, and the training metrics show them
SELECT abs(sum(epsilon_per_round) - max(cumulative_epsilon)) < 1e-12 AS adds_up
FROM federated_privacy_history;
SELECT count(*) AS same
FROM federated_privacy_history h JOIN federated_training_metrics('m') r USING (round_number)
WHERE h.epsilon_per_round = r.privacy_consumed_epsilon;
-- the ledger agrees with the accountant for 10 x 5 steps at q = 0.2
SELECT abs(federated_dp_epsilon(noise_multiplier, 0.2, 50, 1e-5) - cumulative_epsilon) < 1e-9
       AS matches_accountant
FROM federated_privacy_history WHERE round_number = 10;
SELECT workspace_name, total_epsilon, round(consumed_epsilon, 6) AS consumed,
       round(remaining_epsilon, 6) AS remaining
FROM federated_privacy_budget('lab');
SELECT workspace_name, total_budget_epsilon, rounds_completed, estimated_remaining_rounds
FROM federated_privacy_budget_status;
-- spent: a new training is refused; lowering the budget is refused, and
-- so is removing it; raising it is allowed
START FEDERATED TRAINING m WITH (local_epochs = 1, batch_size = 20);
ALTER FEDERATED WORKSPACE lab SET (privacy_budget = 1.5);
ALTER FEDERATED WORKSPACE lab SET (privacy_budget = NULL);
ALTER FEDERATED WORKSPACE lab SET (privacy_budget = 3.0);
SELECT total_epsilon, round(remaining_epsilon, 6) AS remaining FROM federated_privacy_budget('lab');
-- a given noise_multiplier: rounds run until the next would pass the budget
ALTER FEDERATED WORKSPACE lab SET (noise_multiplier = 3.0);
START FEDERATED TRAINING m WITH (local_epochs = 1, batch_size = 20, rounds = 50);
SELECT wait_for_convergence('m', timeout_seconds => 60) AS outcome;
SELECT DISTINCT status FROM federated_training_status('m');
SELECT count(*) > 0 AS ran, max(cumulative_epsilon) <= 3.0 AS within_budget
FROM federated_privacy_history WHERE noise_multiplier = 3.0;
SELECT version, rounds > 0 AS trained FROM federated_model_versions('m') ORDER BY version;
-- a model in a workspace without a budget trains without privacy and
-- spends nothing
CREATE FEDERATED WORKSPACE open WITH (min_nodes = 2);
REGISTER FEDERATED NODE 'a' IN WORKSPACE open WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'b' IN WORKSPACE open WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL plain IN WORKSPACE open WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 3, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING plain;
SELECT wait_for_convergence('plain', timeout_seconds => 60) AS outcome;
SELECT sum(privacy_consumed_epsilon) AS spent FROM federated_training_metrics('plain');
SELECT * FROM federated_privacy_budget('open');
-- the Laplace mechanism: pure epsilon, basic composition.  Each step costs
-- log(1 + q (e^(1/z) - 1)) = log(1 + 0.2 (e^0.05 - 1)) = 0.0102020...,
-- 5 steps a round: 0.0510100..., 4 rounds: 0.2040400...
CREATE FEDERATED WORKSPACE lap WITH (min_nodes = 2, privacy_budget = 1.0,
  noise_mechanism = 'laplacian', noise_multiplier = 20);
REGISTER FEDERATED NODE 'c' IN WORKSPACE lap WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'd' IN WORKSPACE lap WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL lm IN WORKSPACE lap WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 4, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING lm WITH (local_epochs = 1, batch_size = 20);
SELECT wait_for_convergence('lm', timeout_seconds => 60) AS outcome;
SELECT round_number, round(epsilon_per_round, 9) AS per_round, round(cumulative_epsilon, 9) AS total
FROM federated_privacy_history WHERE workspace_name = 'lap' ORDER BY round_number;
-- node level: each node's update clipped, noise on the sum.  Robust
-- aggregators do not sum, and FedNova rescales clipped updates: refused.
-- Both nodes take part every round (q = 1): a round is one Gaussian
-- mechanism, so 6 rounds cost federated_dp_epsilon(z, 1, 6, delta).
CREATE FEDERATED WORKSPACE sites WITH (min_nodes = 2, privacy_budget = 8.0, dp_level = 'node',
  noise_multiplier = 2.0, clipping_threshold = 0.5);
REGISTER FEDERATED NODE 'e' IN WORKSPACE sites WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'f' IN WORKSPACE sites WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL med IN WORKSPACE sites WITH (features = ['x1', 'x2'], target = 'y',
  aggregation = 'median');
START FEDERATED TRAINING med;
CREATE FEDERATED MODEL nova IN WORKSPACE sites WITH (features = ['x1', 'x2'], target = 'y',
  aggregation = 'fednova');
START FEDERATED TRAINING nova;
CREATE FEDERATED MODEL nm IN WORKSPACE sites WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 6, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING nm WITH (local_epochs = 2, batch_size = 20);
SELECT wait_for_convergence('nm', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds,
       abs(max(cumulative_epsilon) - federated_dp_epsilon(2.0, 1.0, 6, 1e-5)) < 1e-9 AS matches
FROM federated_privacy_history WHERE workspace_name = 'sites';
-- adaptive clipping needs the Gaussian mechanism
ALTER FEDERATED WORKSPACE lap SET (adaptive_clipping = true);
START FEDERATED TRAINING lm;
-- alerts: fired once when the condition starts to hold, recorded, and
-- delivered by notify_command with the message on its standard input
CREATE FEDERATED WORKSPACE watched WITH (min_nodes = 2, privacy_budget = 1.0,
  noise_multiplier = 3.0,
  notify_command = 'read line; case "$line" in *remaining_epsilon*) test "$HELIOS_NOTIFY" = team@example.com;; *) exit 3;; esac');
REGISTER FEDERATED NODE 'g' IN WORKSPACE watched WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'h' IN WORKSPACE watched WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED ALERT low ON WORKSPACE watched WHEN remaining_epsilon < 0.6
  NOTIFY 'team@example.com';
CREATE FEDERATED ALERT many ON WORKSPACE watched WHEN participating_nodes >= 2
  NOTIFY 'ops@example.com';
CREATE FEDERATED MODEL wm IN WORKSPACE watched WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 8, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING wm WITH (local_epochs = 1, batch_size = 20);
SELECT wait_for_convergence('wm', timeout_seconds => 60) AS outcome;
SELECT alert_name, model_name, metric, notify, delivery, value < 0.6 OR metric <> 'remaining_epsilon' AS crossed
FROM federated_notifications ORDER BY alert_name;
SELECT count(*) AS first_round_under
FROM federated_privacy_history
WHERE workspace_name = 'watched' AND 1.0 - cumulative_epsilon < 0.6;
-- privacy_per_round is the average a round may spend: with 1.0 to spend at
-- 0.25 a round, the noise is calibrated for 4 rounds, so the fifth of 10
-- would pass the budget and does not run.  Adaptive clipping (record
-- level: each node's DP-SGD moves its clip step by step; the next round
-- starts from the median) changes the clip from round to round.
CREATE FEDERATED WORKSPACE paced WITH (min_nodes = 2, privacy_budget = 1.0,
  privacy_per_round = 0.25, adaptive_clipping = true);
REGISTER FEDERATED NODE 'i' IN WORKSPACE paced WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'j' IN WORKSPACE paced WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL pm IN WORKSPACE paced WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 10, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING pm WITH (local_epochs = 1, batch_size = 20);
SELECT wait_for_convergence('pm', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds, round(max(cumulative_epsilon), 6) AS spent,
       count(DISTINCT clipping_threshold) > 1 AS clip_moved
FROM federated_privacy_history WHERE workspace_name = 'paced';
SELECT estimated_remaining_rounds FROM federated_privacy_budget_status
WHERE workspace_name = 'paced';
-- node level with adaptive clipping: the clip starts at clipping_threshold
-- and moves each round (updates are far larger than 0.01, so mostly up)
CREATE FEDERATED WORKSPACE paced_nodes WITH (min_nodes = 2, privacy_budget = 30.0,
  dp_level = 'node', noise_multiplier = 1.0, adaptive_clipping = true,
  adaptive_clipping_count_stddev = 1.0, clipping_threshold = 0.01);
REGISTER FEDERATED NODE 'k' IN WORKSPACE paced_nodes WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'l' IN WORKSPACE paced_nodes WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL pn IN WORKSPACE paced_nodes WITH (features = ['x1', 'x2'], target = 'y',
  rounds = 8, learning_rate = 0.5, seed = 7);
START FEDERATED TRAINING pn WITH (local_epochs = 1, batch_size = 20);
SELECT wait_for_convergence('pn', timeout_seconds => 60) AS outcome;
SELECT count(*) AS rounds,
       sum(round_number = 1 AND clipping_threshold = 0.01) AS starts_at_clip,
       count(DISTINCT clipping_threshold) > 1 AS moved
FROM federated_privacy_history WHERE workspace_name = 'paced_nodes';
ALTER FEDERATED WORKSPACE paced_nodes SET (adaptive_clipping_count_stddev = 0.4);
START FEDERATED TRAINING pn;
-- a tiny budget: the noise that fits it is so large that the RDP of a round
-- rounds to 0, which is (0, delta)-DP (Bretagnolle-Huber: total variation
-- <= sqrt(1 - e^-D)); the model learns nothing, and the notice says so
CREATE FEDERATED WORKSPACE tiny WITH (min_nodes = 2, privacy_budget = 0.05);
REGISTER FEDERATED NODE 'm' IN WORKSPACE tiny WITH (endpoint = 'local', data_filter = 'rowid % 2 = 0');
REGISTER FEDERATED NODE 'n' IN WORKSPACE tiny WITH (endpoint = 'local', data_filter = 'rowid % 2 = 1');
CREATE FEDERATED MODEL tm IN WORKSPACE tiny WITH (features = ['x1', 'x2'], target = 'y', rounds = 2);
START FEDERATED TRAINING tm;
SELECT wait_for_convergence('tm', timeout_seconds => 60) AS outcome;
SELECT * FROM federated_privacy_budget('tiny');
