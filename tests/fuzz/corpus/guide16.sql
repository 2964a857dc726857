-- 6. Wait for convergence
SELECT wait_for_convergence('customer_churn', timeout_seconds => 3600);
