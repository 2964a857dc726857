-- ## Performance Tuning: Scaling to 100+ Nodes
-- Large-scale configuration
CREATE FEDERATED WORKSPACE large_scale WITH (
    max_nodes = 200,
    aggregation_batch_size = 20,     -- Aggregate every 20 nodes
    async_aggregation = true,        -- Don't wait for all nodes
    stragglers_timeout = 60,         -- Drop slow nodes after 60s
    min_nodes_per_round = 50         -- Need 50+ nodes per round
);
