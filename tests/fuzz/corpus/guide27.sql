-- ## Advanced Features: Secure Multi-Party Computation
-- Enable secure aggregation (no server sees individual gradients)
ALTER FEDERATED MODEL fraud_detector SET (
    secure_aggregation = true,       -- Enable secure aggregation
    aggregation_protocol = 'shamir', -- Shamir secret sharing
    threshold = 3                    -- Need 3+ nodes to decrypt
);
