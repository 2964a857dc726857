-- 2. Increase learning rate
ALTER FEDERATED MODEL slow_model SET (learning_rate = 0.01);
