-- 7. Make predictions
SELECT customer_id,
       federated_predict('customer_churn',
           tenure_months => tenure,
           monthly_charges => charges,
           contract_type => contract
       ) AS churn_probability
FROM customers
WHERE churn_probability > 0.7;
