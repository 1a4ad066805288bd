"""The practice's privacy page, its privacy settings and processors register, and the access logs."""
