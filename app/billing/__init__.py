"""Invoices of the practices' subscriptions, with gap-free numbers, kept for the fiscal period."""
