"""The operator's console: operators, practices, subscriptions."""
