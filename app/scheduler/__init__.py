"""Background jobs, run by APScheduler in exactly one process."""
