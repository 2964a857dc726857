-- ## Performance Tuning: Optimization Guidelines
-- Optimize for speed (sacrifice some accuracy)
ALTER FEDERATED MODEL fast_model SET (
    compression = 'zstd',            -- Compress gradients
    quantization = 8,                -- 8-bit quantization
    gradient_sparsification = 0.9,   -- Send only top 10% gradients
    local_epochs = 1                 -- Fewer local epochs
);
