-- ## Advanced Features: Heterogeneous Data Handling
-- Handle non-IID (non-independent identically distributed) data
CREATE FEDERATED MODEL disease_predictor WITH (
    algorithm = 'neural_network',
    aggregation = 'fedprox',         -- Use FedProx for heterogeneous data
    proximal_term = 0.01,            -- μ parameter for FedProx
    adaptive_learning = true         -- Adjust learning rate per node
);
