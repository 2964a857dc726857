-- Solutions:
-- 1. Increase budget (reduces privacy)
ALTER FEDERATED WORKSPACE ml_consortium SET (privacy_budget = 2.0);
