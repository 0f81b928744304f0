"""pacta: service contracts as rules the software enforces."""
