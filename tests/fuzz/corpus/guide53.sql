-- 3. More local epochs
ALTER FEDERATED MODEL slow_model SET (local_epochs = 10);
