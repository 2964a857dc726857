-- dp_accountant.sql: the privacy accountant as SQL, to plan a budget before
-- spending it.  federated_dp_epsilon(noise_multiplier, sample_rate, steps,
-- delta) and federated_dp_noise_multiplier(target_epsilon, delta,
-- sample_rate, steps): Renyi DP of the Poisson-subsampled Gaussian on
-- Opacus' default orders, converted with Balle et al. 2020, Thm. 21.
-- Expected values are checked against published ones where those use the
-- same orders (tests/unit/test_rdp.c has the rest), else by closed form.
.headers on

-- pytorch/opacus, opacus/tests/accountants_test.py, test_rdp_accountant:
-- noise 1.5, rate 0.04, int(90 / 0.04) = 2250 steps, delta 1e-5 gives
-- 7.32911117143 (asserted to 7 places).
SELECT federated_dp_epsilon(1.5, 0.04, 2250, 1e-5) AS epsilon,
       abs(federated_dp_epsilon(1.5, 0.04, 2250, 1e-5) - 7.32911117143) / 7.32911117143 < 1e-6
           AS within_1e6;

-- The same by name, in any order.
SELECT federated_dp_epsilon(noise_multiplier => 1.5, sample_rate => 0.04,
                            steps => 2250, delta => 1e-5) AS epsilon;
SELECT federated_dp_epsilon(delta => 1e-5, steps => 2250, sample_rate => 0.04,
                            noise_multiplier => 1.5) AS epsilon;

-- pytorch/opacus, accountants_test.py, test_get_noise_multiplier_rdp_epochs
-- and _rdp_steps: epsilon 8, delta 1e-5, rate 0.04 over 2250 and 2000 steps
-- give 1.416 and 1.3562.  Opacus stops within 0.01 of the target epsilon;
-- this is the smallest noise, to 1e-10: a bit below, and Opacus' answers
-- land within its 0.01.
SELECT federated_dp_noise_multiplier(8, 1e-5, 0.04, 2250) AS noise_2250,
       federated_dp_noise_multiplier(8, 1e-5, 0.04, 2000) AS noise_2000;
SELECT federated_dp_epsilon(1.416, 0.04, 2250, 1e-5) BETWEEN 7.99 AND 8 AS opacus_2250_ok,
       federated_dp_epsilon(1.3562, 0.04, 2000, 1e-5) BETWEEN 7.99 AND 8 AS opacus_2000_ok;

-- Closed form at sample_rate 1 (plain Gaussian, RDP alpha / (2 sigma^2)):
-- min over the orders of alpha/(2 sigma^2) + log(1 - 1/alpha)
-- - (log(delta) + log(alpha)) / (alpha - 1).  sigma 4.530877117 is (1, 1e-6)
-- on TF-Privacy's fine grid (rdp_accountant_test.py,
-- test_get_privacy_spent_check_target_delta); on these orders the best is
-- alpha 22: 1.00000028964576.  sigma 1, delta 1e-5: alpha 5.4, 4.72850706721762.
SELECT federated_dp_epsilon(4.530877117, 1, 1, 1e-6) AS fine_grid_one,
       federated_dp_epsilon(1, 1, 1, 1e-5) AS sigma_one;

-- Planning: the noise for the budgets of the benchmarks, 10000 steps at
-- rate 0.01; each meets its budget, and 1e-10 less noise would not.
SELECT budget, round(noise, 6) AS noise_multiplier,
       federated_dp_epsilon(noise, 0.01, 10000, 1e-5) <= budget AS fits,
       federated_dp_epsilon(noise * (1 - 1e-10), 0.01, 10000, 1e-5) > budget AS smallest
FROM (SELECT column1 AS budget, federated_dp_noise_multiplier(column1, 1e-5, 0.01, 10000) AS noise
      FROM (VALUES (0.5), (1), (2), (8)));

-- More noise, fewer steps or a lower rate: less epsilon.
SELECT federated_dp_epsilon(1.1, 0.01, 10000, 1e-5) > federated_dp_epsilon(1.2, 0.01, 10000, 1e-5)
       AND federated_dp_epsilon(1.1, 0.01, 10000, 1e-5) > federated_dp_epsilon(1.1, 0.01, 9000, 1e-5)
       AND federated_dp_epsilon(1.1, 0.01, 10000, 1e-5) > federated_dp_epsilon(1.1, 0.005, 10000, 1e-5)
       AS monotone;

-- No noise is no privacy; no steps spend nothing; NULL in, NULL out.
SELECT federated_dp_epsilon(0, 0.01, 100, 1e-5) AS no_noise,
       federated_dp_epsilon(1, 0.01, 0, 1e-5) AS no_steps,
       federated_dp_noise_multiplier(1, 1e-5, 0.01, 0) AS no_steps_noise,
       federated_dp_epsilon(NULL, 0.01, 100, 1e-5) IS NULL AS null_in;
-- steps may be a REAL when it is whole (90 / 0.04 is 2250.0)
SELECT federated_dp_epsilon(1.5, 0.04, 90 / 0.04, 1e-5) AS epsilon;

-- Errors name the argument and show the value.
SELECT federated_dp_epsilon(1.5, 1.5, 2250, 1e-5);
SELECT federated_dp_epsilon(1.5, 0, 2250, 1e-5);
SELECT federated_dp_epsilon(-1, 0.04, 2250, 1e-5);
SELECT federated_dp_epsilon(1.5, 0.04, -3, 1e-5);
SELECT federated_dp_epsilon(1.5, 0.04, 2.5, 1e-5);
SELECT federated_dp_epsilon(1.5, 0.04, 2250, 1);
SELECT federated_dp_epsilon(1.5, 0.04, 2250, 0);
SELECT federated_dp_epsilon('lots', 0.04, 2250, 1e-5);
SELECT federated_dp_epsilon(1.5, 0.04, 2250);
SELECT federated_dp_epsilon(sigma => 1.5, sample_rate => 0.04, steps => 2250, delta => 1e-5);
SELECT federated_dp_epsilon(steps => 1.5, sample_rate => 0.04, steps => 2250, delta => 1e-5);
SELECT federated_dp_noise_multiplier(0, 1e-5, 0.04, 2250);
SELECT federated_dp_noise_multiplier(8, 1e-5, 2, 2250);
SELECT federated_dp_noise_multiplier(8, 0.5, 0.04, -1);
-- Below what the orders can certify: at delta 1e-5 epsilon tends to 0.1029
-- as the noise grows (log(1 - 1/63) - (log(1e-5) + log(63)) / 62, order 63).
SELECT federated_dp_noise_multiplier(0.05, 1e-5, 0.5, 1000000);
