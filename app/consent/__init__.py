"""A client's explicit, versioned consent to the processing of special personal data."""
