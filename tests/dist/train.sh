#!/bin/sh
# dist/train.sh - a federated training across three helios-node processes
# over TLS 1.3 on 127.0.0.1, against the same training with in-process
# nodes over the same site databases: the losses of every round and the
# final model must be identical to the last bit (the coordinator sends each
# node its catalog id, which seeds its random streams).  Then: a node with
# a certificate from another CA is refused, a node that is not running is
# named in the error, and SIGTERM stops every node with status 0 and no
# process or port left behind.  The run is sealed (encryption's default,
# AES-256-GCM) and is made again with zstd and with lz4 on the wire and
# with encryption = 'none', none of which may change anything.
name=train
. "$(dirname "$0")/common.sh"
make_sites 300
for k in 1 2 3; do start "node$k" "node$k" "site$k.db"; done
p1=$(cat node1.port) p2=$(cat node2.port) p3=$(cat node3.port)

script() {  # workspace options, then one endpoint option per node
    cat <<SQL
CREATE FEDERATED WORKSPACE w WITH (min_nodes = 3$1);
REGISTER FEDERATED NODE 'node1' WITH ($2);
REGISTER FEDERATED NODE 'node2' WITH ($3);
REGISTER FEDERATED NODE 'node3' WITH ($4);
CREATE FEDERATED MODEL m WITH (features = ['x1', 'x2'], target = 'y', rounds = 8,
  learning_rate = 0.5, seed = 7, validation_split = 0.2);
START FEDERATED TRAINING m WITH (local_epochs = 2, batch_size = 16);
SELECT wait_for_convergence('m', timeout_seconds => 120);
SELECT round_number, printf('%.17g', global_loss), printf('%.17g', global_accuracy),
       participating_nodes FROM federated_training_status('m');
SELECT printf('%.17g', federated_predict('m', x1 => 0.3, x2 => 0.9));
SELECT metric, printf('%.17g', value) FROM federated_evaluate('m');
SQL
}
tlsopt=", $tls_opts"
script "$tlsopt" "endpoint = 'tls://127.0.0.1:$p1'" "endpoint = 'tls://127.0.0.1:$p2'" \
    "endpoint = 'tls://127.0.0.1:$p3'" > remote.sql
script "" "endpoint = 'local', database = 'site1.db'" "endpoint = 'local', database = 'site2.db'" \
    "endpoint = 'local', database = 'site3.db'" > local.sql
"$shell" -f remote.sql remote.db > remote.out 2>&1 || bad "the remote training failed: $(cat remote.out)"
"$shell" -f local.sql local.db > local.out 2>&1 || bad "the in-process training failed"
grep -q '^completed$' remote.out || bad "remote training did not complete: $(cat remote.out)"
[ "$(grep -c '|3$' remote.out)" = 8 ] || bad "expected 8 rounds with 3 nodes: $(cat remote.out)"
cmp -s remote.out local.out || bad "remote and in-process runs differ: $(diff remote.out local.out)"
# zstd on the wire is lossless: the same run again, compressed
script "$tlsopt, compression = 'zstd', compression_level = 5" "endpoint = 'tls://127.0.0.1:$p1'" \
    "endpoint = 'tls://127.0.0.1:$p2'" "endpoint = 'tls://127.0.0.1:$p3'" > zstd.sql
"$shell" -f zstd.sql zstd.db > zstd.out 2>&1 || bad "the compressed training failed: $(cat zstd.out)"
cmp -s zstd.out local.out || bad "compressed and in-process runs differ: $(diff zstd.out local.out)"
# so is lz4, fast and HC
for lvl in "" ", compression_level = 9"; do
    script "$tlsopt, compression = 'lz4'$lvl" "endpoint = 'tls://127.0.0.1:$p1'" \
        "endpoint = 'tls://127.0.0.1:$p2'" "endpoint = 'tls://127.0.0.1:$p3'" > lz4.sql
    rm -f lz4.db
    "$shell" -f lz4.sql lz4.db > lz4.out 2>&1 || bad "the lz4 training ($lvl) failed: $(cat lz4.out)"
    cmp -s lz4.out local.out || bad "lz4 ($lvl) and in-process runs differ: $(diff lz4.out local.out)"
done
# the runs above were sealed (encryption = 'AES-256-GCM' is the default); unsealed too
script "$tlsopt, encryption = 'none'" "endpoint = 'tls://127.0.0.1:$p1'" \
    "endpoint = 'tls://127.0.0.1:$p2'" "endpoint = 'tls://127.0.0.1:$p3'" > plain.sql
"$shell" -f plain.sql plain.db > plain.out 2>&1 || bad "the unsealed training failed: $(cat plain.out)"
cmp -s plain.out local.out || bad "unsealed and in-process runs differ: $(diff plain.out local.out)"
# batch_communication: each round's evaluation rides on the next round's
# training requests; the same models and the same accuracies
script "$tlsopt, batch_communication = true" "endpoint = 'tls://127.0.0.1:$p1'" \
    "endpoint = 'tls://127.0.0.1:$p2'" "endpoint = 'tls://127.0.0.1:$p3'" > batch.sql
"$shell" -f batch.sql batch.db > batch.out 2>&1 || bad "the batched training failed: $(cat batch.out)"
cmp -s batch.out local.out || bad "batched and in-process runs differ: $(diff batch.out local.out)"
# quantization = 8 codes each node's update and, from round 2, the global
# model for the nodes that hold the previous one: the same coding in
# process, so the same model; and less sent from round 2 on
script "$tlsopt, quantization = 8" "endpoint = 'tls://127.0.0.1:$p1'" \
    "endpoint = 'tls://127.0.0.1:$p2'" "endpoint = 'tls://127.0.0.1:$p3'" > q8.sql
script ", quantization = 8" "endpoint = 'local', database = 'site1.db'" \
    "endpoint = 'local', database = 'site2.db'" "endpoint = 'local', database = 'site3.db'" \
    > q8local.sql
"$shell" -f q8.sql q8.db > q8.out 2>&1 || bad "the quantized training failed: $(cat q8.out)"
"$shell" -f q8local.sql q8local.db > q8local.out 2>&1 || bad "the quantized in-process training failed"
grep -q '^completed$' q8.out || bad "the quantized training did not complete: $(cat q8.out)"
cmp -s q8.out q8local.out || bad "quantized remote and in-process runs differ: $(diff q8.out q8local.out)"
sent() { "$shell" "$1" -c "SELECT network_sent_mb FROM federated_performance_metrics
    WHERE phase = 'local_training' AND round_number = $2" | tail -1; }
# (and the train_config, which the node holds from round 1, is not sent again)
[ "$(awk "BEGIN { print ($(sent q8.db 3) < 0.5 * $(sent q8.db 1)) }")" = 1 ] \
    || bad "round 3 sent $(sent q8.db 3) MB, round 1 $(sent q8.db 1): the model was not coded"

# a node whose certificate comes from another CA: refused, and named
start rogue rogue-node site1.db
pr=$(cat rogue.port)
"$shell" remote.db -c "CREATE FEDERATED WORKSPACE r WITH (min_nodes = 1$tlsopt);
    REGISTER FEDERATED NODE 'node1' IN WORKSPACE r WITH (endpoint = 'tls://127.0.0.1:$pr');
    CREATE FEDERATED MODEL rm IN WORKSPACE r WITH (features = ['x1', 'x2'], target = 'y');
    START FEDERATED TRAINING rm;" > rogue.out 2>&1 && bad "a rogue node was accepted"
grep -q "node 'node1' (tls://127.0.0.1:$pr): .*certificate verify failed" rogue.out \
    || bad "rogue node: unexpected message: $(cat rogue.out)"
# a node that is not there
"$shell" remote.db -c "CREATE FEDERATED WORKSPACE gone WITH (min_nodes = 1$tlsopt);
    REGISTER FEDERATED NODE 'node9' IN WORKSPACE gone WITH (endpoint = 'tls://127.0.0.1:1');
    CREATE FEDERATED MODEL gm IN WORKSPACE gone WITH (features = ['x1', 'x2'], target = 'y');
    START FEDERATED TRAINING gm;" > gone.out 2>&1 && bad "a missing node was accepted"
grep -q "node 'node9' (tls://127.0.0.1:1): .*Connection refused" gone.out \
    || bad "missing node: unexpected message: $(cat gone.out)"

# data quality (phase QUALITY): the remote nodes answer the statistics the
# in-process ones compute over the same site databases, to the last digit
q="SELECT federated_data_quality_check('m');"
"$shell" remote.db -c "$q" > qremote.out 2>&1 || bad "quality check, remote: $(cat qremote.out)"
"$shell" local.db -c "$q" > qlocal.out 2>&1 || bad "quality check, in-process: $(cat qlocal.out)"
grep -q '"node_name":"node3"' qremote.out || bad "quality check: no node3: $(cat qremote.out)"
cmp -s qremote.out qlocal.out || bad "quality checks differ: $(diff qremote.out qlocal.out)"

# SIGTERM: every node exits 0, logs its stop, and leaves nothing behind
for n in node1 node2 node3 rogue; do stop "$n"; done
grep -q "event=refused.*certificate" rogue.log || grep -q "event=closed" rogue.log \
    || bad "the rogue node logged nothing of the refusal"
exit $fail
