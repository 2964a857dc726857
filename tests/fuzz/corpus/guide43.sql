-- ## Performance Tuning: Network Optimization
-- Reduce network overhead
ALTER FEDERATED WORKSPACE ml_consortium SET (
    compression = 'zstd',            -- ZSTD compression (2-10x)
    compression_level = 3,           -- Balance speed/ratio
    batch_communication = true,      -- Batch multiple messages
    tcp_nodelay = false,             -- Nagle's algorithm on
    keepalive_interval = 30          -- TCP keepalive every 30s
);
