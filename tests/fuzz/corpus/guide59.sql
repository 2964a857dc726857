-- 3. Increase budget per round
ALTER FEDERATED WORKSPACE ml_consortium SET (privacy_per_round = 0.02);
