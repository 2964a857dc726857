-- Solutions:
-- 1. Use FedProx for heterogeneous data
ALTER FEDERATED MODEL slow_model SET (aggregation = 'fedprox');
