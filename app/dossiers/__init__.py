"""How long a client's dossier is kept after their programme, and what happens when that time is up."""
