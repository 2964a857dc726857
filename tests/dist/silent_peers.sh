#!/bin/sh
# dist/silent_peers.sh - a client that opens a TCP connection to
# helios-node and says nothing holds up no other connection (the TLS
# handshake runs in the connection's own thread, not in the accept loop),
# and a flood of such clients is bounded by --max-connections.
#
# Three nodes, each with a silent connection open (a python3 one-liner;
# without python3 the test is skipped): a training across them, started
# right after, completes in well under the 10 s a node gives a handshake.
# (With the handshake in the accept loop, each node took the silent
# connection first and sat in its handshake for 10 s, the coordinator's
# connection queued behind it.)  Each node then refuses its silent peer
# after those 10 s, naming it.  A fourth node, with --max-connections 2 and
# three silent peers, refuses the third and then the coordinator, each
# with the max-connections line, while the two are in their handshakes,
# and serves a training again once they have timed out.
name=silent_peers
command -v python3 > /dev/null 2>&1 || { echo "dist/silent_peers.sh: no python3, skipped" >&2; exit 77; }
. "$(dirname "$0")/common.sh"
make_sites 150
for k in 1 2 3; do start "node$k" "node$k" "site$k.db" || exit 1; done
real_node=$node
node=$(pwd)/capped-node
printf '#!/bin/sh\nexec "%s" --max-connections 2 "$@"\n' "$real_node" > "$node"
chmod +x "$node"
start node4 node1 site1.db || exit 1
node=$real_node
p1=$(cat node1.port) p2=$(cat node2.port) p3=$(cat node3.port) p4=$(cat node4.port)

now() { python3 -c 'import time; print("%.3f" % time.time())'; }
# waits (20 s at most) until FILE has N lines matching PATTERN
wait_lines() {
    i=0
    while [ "$(grep -c -- "$3" "$2")" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 200 ] && { bad "$2: fewer than $1 lines '$3' after 20 s: $(cat "$2")"; return 1; }
        sleep 0.1
    done
}
train() {  # WORKSPACE PORT...: a training of two rounds across node1, node2... at PORTs
    ws=$1; shift
    {
        echo "CREATE FEDERATED WORKSPACE $ws WITH (min_nodes = $#, $tls_opts);"
        k=0
        for p in "$@"; do
            k=$((k + 1))
            echo "REGISTER FEDERATED NODE 'node$k' IN WORKSPACE $ws WITH (endpoint = 'tls://127.0.0.1:$p');"
        done
        echo "CREATE FEDERATED MODEL m_$ws IN WORKSPACE $ws WITH (features = ['x1', 'x2'], target = 'y',"
        echo "  rounds = 2, seed = 7);"
        echo "START FEDERATED TRAINING m_$ws;"
        echo "SELECT wait_for_convergence('m_$ws', timeout_seconds => 60);"
    } > "$ws.sql"
    "$shell" -f "$ws.sql" train.db > "$ws.out" 2>&1
}

# one silent connection to each of node1..3, three to node4, held until
# the file 'release' appears (60 s at most)
python3 -c 'import os, socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(p))) for p in sys.argv[1:]]
print("ready", flush=True)
t = time.time()
while not os.path.exists("release") and time.time() < t + 60:
    time.sleep(0.1)' "$p1" "$p2" "$p3" "$p4" "$p4" "$p4" > silent.out 2>&1 &
silent=$!
pids="$pids $silent"
i=0
until grep -q ready silent.out; do
    i=$((i + 1)); [ $i -gt 200 ] && { bad "the silent client did not connect: $(cat silent.out)"; exit 1; }
    sleep 0.05
done

# the training does not wait for the silent ones' handshakes
t0=$(now)
train w "$p1" "$p2" "$p3" || bad "the training failed: $(cat w.out)"
t1=$(now)
grep -q '^completed$' w.out || bad "the training did not complete: $(cat w.out)"
awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 5) }' \
    || bad "the training took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s behind a silent client (10 s: its handshake held the accept loop)"

# node4: two handshakes held, the third silent peer and then a coordinator refused
cap='event=refused reason="peer 127.0.0.1:[0-9]*: 2 connections already (max-connections)"'
wait_lines 1 node4.log "$cap"
train capped "$p4" && bad "a coordinator was served beyond --max-connections: $(cat capped.out)"
[ "$(grep -c -- "$cap" node4.log)" -ge 2 ] || bad "node4 did not log the coordinator's refusal: $(cat node4.log)"

# after 10 s, every silent peer is refused, named; node4 serves again
late='event=refused reason="peer 127.0.0.1:[0-9]*: handshake timed out after 10 s"'
for k in 1 2 3; do wait_lines 1 "node$k.log" "$late"; done
wait_lines 2 node4.log "$late"
train again "$p4" || bad "node4 did not serve again after the silent peers: $(cat again.out)"
grep -q '^completed$' again.out || bad "node4's training did not complete: $(cat again.out)"

: > release
wait "$silent" || bad "the silent client failed: $(cat silent.out)"
pids=$(echo "$pids" | sed "s/ $silent//")
for k in 1 2 3 4; do stop "node$k"; done
exit $fail
