#!/bin/sh
# dist/async.sh - with async_aggregation the steps do not wait for a slow
# node.  Three helios-node processes, K = 2 (aggregation_batch_size), and
# max_staleness = 2: node3 is stopped (SIGSTOP: its socket stays open,
# nothing comes back) in the middle of its training, and the steps go on
# with node1 and node2, one update each a step, far sooner than
# round_timeout (120 s) would let a synchronous round.  When node3 runs
# again (SIGCONT) its update is more than 2 steps stale: it is dropped
# (dropped_nodes), and node3, sent the current model, takes part in the
# steps that follow.
name=async
. "$(dirname "$0")/common.sh"
make_sites 6000
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done

cat > train.sql <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3, async_aggregation = true,
  aggregation_batch_size = 2, max_staleness = 2, round_timeout = 120, $tls_opts);
$(register_nodes)
CREATE FEDERATED MODEL m WITH (algorithm = 'neural_network', layers = '[32, 1]',
  features = ['x1', 'x2'], target = 'y', rounds = 500, learning_rate = 0.05, seed = 7,
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
t_stop=$(date +%s)
wait_round $((r_stop + 10))
[ $(($(date +%s) - t_stop)) -lt 60 ] || bad "10 steps without node3 took a minute"
before=$(q "SELECT rounds_participated FROM federated_node_status WHERE node_name = 'node3'")
kill -CONT "$(cat node3.pid)"
wait "$coord" || bad "the training shell failed: $(cat train.out)"
grep -q '^completed$' train.out || bad "the training did not complete: $(cat train.out)"
[ "$(q "SELECT count(*) || ' ' || min(participating_nodes) || ' ' || max(participating_nodes)
        FROM federated_training_metrics('m')")" = "500 2 2" ] \
    || bad "not 500 steps of 2 updates each"
[ "$(q "SELECT sum(dropped_nodes) >= 1 FROM federated_training_metrics('m')
        WHERE round_number > $r_stop")" = 1 ] \
    || bad "node3's stale update was not dropped"
after=$(q "SELECT rounds_participated FROM federated_node_status WHERE node_name = 'node3'")
[ "$after" -gt "$before" ] || bad "node3 took no part after it ran again ($before, then $after)"
[ "$(q "SELECT status FROM federated_node_status WHERE node_name = 'node3'")" = active ] \
    || bad "node3 is not active again"
for n in node1 node2 node3; do stop "$n"; done
exit $fail
