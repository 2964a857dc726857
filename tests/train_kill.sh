#!/bin/sh
# train_kill.sh - a killed process does not lose its training: after
# kill -9 of the shell in the middle of a run, the catalog still holds every
# committed round, reopening it marks the run 'interrupted', and RESUME
# continues from the last committed round.
set -u
shell=${HELIOS_SHELL:-$(pwd)/helios-shell}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/helios-kill.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
cd "$tmp" || exit 1
export HOME="$tmp" HELIOS_DB=

ask() { "$shell" -c "$1" cat.db 2>&1; }

cat > start.sql <<'SQL'
CREATE TABLE t AS
  WITH RECURSIVE i(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM i WHERE n < 999)
  SELECT (n % 17) / 17.0 AS x1, (n % 13) / 13.0 AS x2,
         CASE WHEN (n % 17) / 17.0 + (n % 13) / 13.0 > 1 THEN 1 ELSE 0 END AS y FROM i;
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 2);
REGISTER FEDERATED NODES 2 FROM TABLE t PARTITION BY IID;
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 100000,
  local_epochs = 5, learning_rate = 0.01);
START FEDERATED TRAINING m;
SELECT wait_for_convergence('m');
SQL
"$shell" -f start.sql cat.db > start.out 2>&1 &
pid=$!
# Wait for a few committed rounds (at most 20 s), then kill -9.
i=0
while [ $i -lt 200 ]; do
    n=$(ask "SELECT count(*) FROM federated_training_metrics('m')" | tail -n 1)
    case $n in ''|*[!0-9]*) n=0 ;; esac
    [ "$n" -ge 3 ] && break
    sleep 0.1
    i=$((i + 1))
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
[ "$n" -ge 3 ] || { echo "FAIL: no round was committed in 20 s"; cat start.out; exit 1; }

status=$(ask "SELECT status FROM hl_run ORDER BY id DESC LIMIT 1")
[ "$status" = interrupted ] || { echo "FAIL: the run is '$status', not 'interrupted'"; exit 1; }
done1=$(ask "SELECT rounds_done FROM hl_run ORDER BY id DESC LIMIT 1")
rounds=$(ask "SELECT count(*) FROM federated_training_metrics('m')")
[ "$done1" = "$rounds" ] || { echo "FAIL: rounds_done $done1 but $rounds rounds committed"; exit 1; }

# Resume, let it train for two seconds, stop it.
out=$(printf "RESUME FEDERATED TRAINING m;\nSELECT wait_for_convergence('m', timeout_seconds => 2);\nSTOP FEDERATED TRAINING m;\nSELECT wait_for_convergence('m');\n" | "$shell" cat.db 2>&1)
expected=$(printf "RESUME FEDERATED TRAINING\nrunning\nSTOP FEDERATED TRAINING\nstopped")
[ "$out" = "$expected" ] || { echo "FAIL: resume gave:"; echo "$out"; exit 1; }
done2=$(ask "SELECT rounds_done FROM hl_run ORDER BY id DESC LIMIT 1")
[ "$done2" -gt "$done1" ] || { echo "FAIL: no round after resuming ($done1 -> $done2)"; exit 1; }
first=$(ask "SELECT min(round_number) FROM federated_training_metrics('m')")
[ "$first" = 1 ] || { echo "FAIL: the resumed run lost its first rounds (first is $first)"; exit 1; }
echo "killed after $done1 rounds, resumed to $done2"
