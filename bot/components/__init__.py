"""Custom Rasa NLU components for Aisle."""
