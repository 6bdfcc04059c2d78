"""pipeval: validation checks for data pipelines on BigQuery and Firestore."""

__version__ = "0.1.0"
