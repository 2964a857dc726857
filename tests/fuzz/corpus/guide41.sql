-- Balanced configuration
ALTER FEDERATED MODEL balanced_model SET (
    compression = 'lz4',             -- Fast compression
    quantization = 16,               -- Half precision
    gradient_sparsification = 0.5,   -- Top 50% gradients
    local_epochs = 5                 -- Moderate local training
);
