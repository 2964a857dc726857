-- Use custom aggregation
ALTER FEDERATED MODEL custom_model SET (
    aggregation = 'weighted_median'
);
