#!/bin/sh
# async_threads.sh - with async_aggregation, one thread (HELIOS_THREADS=1)
# and in-process nodes, the nodes train one after the other in a fixed
# order (the node idle longest first, K to a step), so two runs give the
# same steps and model, printed with every digit (17 significant).
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-async.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB=
cat > run.sql <<'SQL'
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 1999)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2, (n % 7) / 7.0 AS x3,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 'yes' ELSE 'no' END AS y FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2, async_aggregation = true);
REGISTER FEDERATED NODES 7 FROM TABLE t PARTITION BY DIRICHLET(y, 0.5) SEED 9;
CREATE FEDERATED MODEL m WITH (algorithm = 'neural_network', layers = '[8, 1]',
  features = ['x1', 'x2', 'x3'], target = 'y', rounds = 9, optimizer = 'adam',
  aggregation = 'fedadam', learning_rate = 0.05, validation_split = 0.25, seed = 11,
  validation_frequency = 3);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 8);
SELECT wait_for_convergence('m');
SELECT round_number, participating_nodes, printf('%.17g', global_loss),
       printf('%.17g', global_accuracy)
FROM federated_training_status('m') ORDER BY round_number;
SELECT printf('%.17g', federated_predict('m', x1 => 0.7, x2 => 0.6, x3 => 0.1));
SQL
HELIOS_THREADS=1 "$shell" -f run.sql one.db > one.out 2>&1 || { cat one.out; exit 1; }
HELIOS_THREADS=1 "$shell" -f run.sql two.db > two.out 2>&1 || { cat two.out; exit 1; }
if ! cmp -s one.out two.out; then
    echo "FAIL: two asynchronous runs on one thread differ"
    diff one.out two.out
    exit 1
fi
grep -q '^completed$' one.out || { echo "FAIL: the run did not complete"; cat one.out; exit 1; }
[ "$(grep -c '^[0-9]*|3|' one.out)" = 9 ] || { echo "FAIL: not 9 steps of 3 updates"; cat one.out; exit 1; }
echo "two asynchronous runs on one thread: identical ($(grep -c '^[0-9]*|3|' one.out) steps)"
