-- 3. Create model
CREATE FEDERATED MODEL customer_churn IN WORKSPACE ml_consortium WITH (
    algorithm = 'random_forest',
    features = ['tenure_months', 'monthly_charges', 'contract_type'],
    target = 'churned',
    rounds = 30
);
