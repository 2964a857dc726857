-- Compare model versions
SELECT compare_federated_models(
    'customer_churn',
    version_a => 'v1.0_production',
    version_b => 'v1.1_candidate'
);
