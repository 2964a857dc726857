-- Optimize for accuracy (slower but better results)
ALTER FEDERATED MODEL accurate_model SET (
    compression = 'none',            -- No compression
    quantization = 32,               -- Full precision
    gradient_sparsification = 0.0,   -- Send all gradients
    local_epochs = 10                -- More local epochs
);
