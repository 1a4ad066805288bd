"""Data-subject requests and erasure: the rights of the privacy statement as a workflow with due dates."""
