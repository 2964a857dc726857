#!/bin/sh
# dist/stragglers.sh - a node that stops answering (SIGSTOP: its socket
# stays open, nothing comes back) is dropped from each round after
# stragglers_timeout seconds, counted in dropped_nodes and shown 'slow';
# the rounds go on with the other two (min_nodes_per_round = 2) and take
# about the timeout, not round_timeout.  When it runs again (SIGCONT) it
# is reconnected (auto_reconnect) and takes part in the rounds that follow.
name=stragglers
. "$(dirname "$0")/common.sh"
make_sites 6000
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done

cat > train.sql <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3, min_nodes_per_round = 2,
  stragglers_timeout = 1, round_timeout = 120, auto_reconnect = true, reconnect_interval = 1,
  $tls_opts);
$(register_nodes)
CREATE FEDERATED MODEL m WITH (algorithm = 'neural_network', layers = '[32, 1]',
  features = ['x1', 'x2'], target = 'y', rounds = 80, learning_rate = 0.05, seed = 7,
  validation_frequency = 1000);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 32);
SELECT wait_for_convergence('m', timeout_seconds => 300);
SQL
"$shell" -f train.sql train.db > train.out 2>&1 &
coord=$!
pids="$pids $coord"
wait_round 3
kill -STOP "$(cat node3.pid)"
r_stop=$(rounds)
wait_round $((r_stop + 4))
st=$(q "SELECT status || ' ' || (SELECT connection_status FROM federated_node_diagnostics d
        WHERE d.node_name = s.node_name) FROM federated_node_status s WHERE node_name = 'node3'")
[ "$st" = "slow slow" ] || bad "node3 is '$st' while stopped, not 'slow slow'"
reason=$(q "SELECT failure_reason FROM federated_node_diagnostics WHERE node_name = 'node3'")
case $reason in *"did not answer within"*) ;; *) bad "node3's failure_reason: '$reason'" ;; esac
kill -CONT "$(cat node3.pid)"
r_cont=$(rounds)
wait "$coord" || bad "the training shell failed: $(cat train.out)"
grep -q '^completed$' train.out || bad "the training did not complete: $(cat train.out)"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE dropped_nodes = 1 AND participating_nodes = 2")" -ge 3 ] \
    || bad "fewer than 3 rounds dropped the stopped node"
# a round that waited for the straggler took the timeout (1 s), not round_timeout
[ "$(q "SELECT max(round_duration_seconds) < 10 FROM federated_training_metrics('m')")" = 1 ] \
    || bad "a round waited far longer than stragglers_timeout"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE dropped_nodes = 1 AND round_duration_seconds >= 0.9")" -ge 3 ] \
    || bad "the rounds without node3 did not wait for it"
[ "$(q "SELECT count(*) FROM federated_training_metrics('m') WHERE participating_nodes = 3 AND round_number > $r_cont")" -ge 1 ] \
    || bad "node3 did not rejoin after round $r_cont"
[ "$(q "SELECT status FROM federated_node_status WHERE node_name = 'node3'")" = active ] \
    || bad "node3 is not active again"
for n in node1 node2 node3; do stop "$n"; done
exit $fail
