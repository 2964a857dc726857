-- Solution: Register more nodes or reduce min_nodes
ALTER FEDERATED WORKSPACE ml_consortium SET (min_nodes = 2);
