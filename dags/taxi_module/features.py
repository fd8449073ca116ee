"""Feature definitions of the Chicago taxi data, shared by the preprocessing and model modules.

Written in the style of TFX's taxi example module files (our own code): the raw CSV
columns, how each is transformed, and the label (was the tip more than 20% of the fare?).
"""

# Numeric features scaled to z-scores.
DENSE_FLOAT_FEATURE_KEYS = ["trip_miles", "fare", "trip_seconds"]

# Numeric features bucketized into FEATURE_BUCKET_COUNT quantile buckets.
BUCKET_FEATURE_KEYS = ["pickup_latitude", "pickup_longitude", "dropoff_latitude", "dropoff_longitude"]
FEATURE_BUCKET_COUNT = 10

# Integer features already small categories: used as categorical ids directly (max value + 1).
CATEGORICAL_FEATURE_KEYS = ["trip_start_hour", "trip_start_day", "trip_start_month"]
CATEGORICAL_FEATURE_MAX_VALUES = [24, 31, 12]

# String features mapped to ids with a vocabulary of the VOCAB_SIZE most frequent values;
# OOV_SIZE hash buckets take the rest.
VOCAB_FEATURE_KEYS = ["payment_type", "company"]
VOCAB_SIZE = 1000
OOV_SIZE = 10

# Label source: the tip, compared with the fare.
FARE_KEY = "fare"
LABEL_KEY = "tips"


def transformed_name(key: str) -> str:
    """Name of a feature after preprocessing_fn."""
    return f"{key}_xf"
