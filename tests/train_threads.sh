#!/bin/sh
# train_threads.sh - the thread count does not change a model: the same
# script with HELIOS_THREADS=1 and with 4 gives the same losses, accuracy
# and predictions, printed with every digit (17 significant).
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-threads.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB=
cat > run.sql <<'SQL'
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 1999)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2, (n % 7) / 7.0 AS x3,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 'yes' ELSE 'no' END AS y FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2);
REGISTER FEDERATED NODES 8 FROM TABLE t PARTITION BY DIRICHLET(y, 0.5) SEED 9;
CREATE FEDERATED MODEL m WITH (algorithm = 'neural_network', layers = '[8, 1]',
  features = ['x1', 'x2', 'x3'], target = 'y', rounds = 6, optimizer = 'adam',
  aggregation = 'fedadam', learning_rate = 0.05, validation_split = 0.25, seed = 11);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 8);
SELECT wait_for_convergence('m');
SELECT round_number, printf('%.17g', global_loss), printf('%.17g', global_accuracy)
FROM federated_training_status('m') ORDER BY round_number;
SELECT printf('%.17g', federated_predict('m', x1 => 0.7, x2 => 0.6, x3 => 0.1));
SQL
HELIOS_THREADS=1 "$shell" -f run.sql one.db > one.out 2>&1 || { cat one.out; exit 1; }
HELIOS_THREADS=4 "$shell" -f run.sql four.db > four.out 2>&1 || { cat four.out; exit 1; }
if ! cmp -s one.out four.out; then
    echo "FAIL: 1 thread and 4 threads differ"
    diff one.out four.out
    exit 1
fi
grep -q '^completed$' one.out || { echo "FAIL: the run did not complete"; cat one.out; exit 1; }
echo "1 and 4 threads: identical ($(grep -c '^[0-9]*|' one.out) rounds)"
