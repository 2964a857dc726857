#!/bin/sh
# dist/faults.sh - a node killed with SIGKILL in the middle of a training
# over TLS: the rounds go on without it (dropped_nodes counts it, the run
# does not fail, min_nodes_per_round = 2 of 3), and when the node comes
# back on the same port it rejoins (auto_reconnect: its rows loaded
# again) and takes part in the rounds that follow.  Then the coordinator
# itself is killed with SIGKILL mid-training, and RESUME goes on from the
# last committed round with the same nodes.  No process is left behind.
name=faults
. "$(dirname "$0")/common.sh"
make_sites 15000
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done
p2=$(cat node2.port)

cat > train.sql <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3, min_nodes_per_round = 2,
  auto_reconnect = true, reconnect_interval = 1,
  $tls_opts);
$(register_nodes)
CREATE FEDERATED MODEL m WITH (algorithm = 'neural_network', layers = '[64, 64, 1]',
  features = ['x1', 'x2'], target = 'y', rounds = 60, learning_rate = 0.05, seed = 7,
  validation_frequency = 1000);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 32);
SELECT wait_for_convergence('m', timeout_seconds => 300);
SQL
"$shell" -f train.sql train.db > train.out 2>&1 &
coord=$!
pids="$pids $coord"
wait_round 3
kill -9 "$(cat node2.pid)"
r_kill=$(rounds)
wait_round $((r_kill + 5))
start node2 node2 site2.db "$p2"
r_back=$(rounds)
wait "$coord" || bad "the training shell failed: $(cat train.out)"
grep -q '^completed$' train.out || bad "the training did not complete: $(cat train.out)"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE dropped_nodes = 1 AND participating_nodes = 2")" -ge 3 ] \
    || bad "no rounds ran without the killed node"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE participating_nodes = 3 AND round_number > $r_back")" -ge 1 ] \
    || bad "node2 did not rejoin after round $r_back"
[ "$(q "SELECT count(*) FROM federated_training_status('m')")" = 60 ] || bad "not 60 rounds"
# the coordinator dies: RESUME continues from the last committed round
cat > train2.sql <<SQL
CREATE FEDERATED MODEL m2 WITH (algorithm = 'neural_network', layers = '[64, 64, 1]',
  features = ['x1', 'x2'], target = 'y', rounds = 40, learning_rate = 0.05, seed = 8,
  validation_frequency = 1000);
START FEDERATED TRAINING m2 WITH (local_epochs = 2, batch_size = 32);
SELECT wait_for_convergence('m2', timeout_seconds => 300);
SQL
"$shell" -f train2.sql train.db > train2.out 2>&1 &
coord=$!
pids="$pids $coord"
wait_round 3 m2
kill -9 "$coord"
wait "$coord" 2>/dev/null
pids=$(echo "$pids" | sed "s/ $coord//")
done1=$(q "SELECT count(*) FROM federated_training_status('m2')")
printf "RESUME FEDERATED TRAINING m2;\nSELECT wait_for_convergence('m2', timeout_seconds => 300);\n" \
    | "$shell" train.db > resume.out 2>&1 || bad "RESUME failed: $(cat resume.out)"
grep -q '^completed$' resume.out || bad "the resumed training did not complete: $(cat resume.out)"
[ "$(q "SELECT count(*) FROM federated_training_status('m2')")" = 40 ] \
    || bad "m2: not 40 rounds after resuming from $done1"
[ "$(q "SELECT min(participating_nodes) FROM federated_training_metrics('m2')")" = 3 ] \
    || bad "m2: a round without all three nodes"

for n in node1 node2 node3; do stop "$n"; done
exit $fail
