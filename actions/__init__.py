"""Custom actions: thin adapters between the dialogue and the programme-data service."""
