"""The retention policy: rules, the job that runs them, its record, and the command."""
