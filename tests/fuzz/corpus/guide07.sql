-- ## Quick Start 5. Query the Model
-- Make predictions using the trained model
SELECT federated_predict(
    'disease_classifier',
    age => 55,
    blood_pressure => 140,
    cholesterol => 220,
    bmi => 28.5
) AS disease_probability;
