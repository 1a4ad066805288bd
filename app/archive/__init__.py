"""The take-away archive: exporting a client or a practice as one ZIP, and importing it again."""
