"""Restricting a client's dossier: kept and visible, but closed to new special data and e-mail."""
