"""Turn logic on plain values: the dialogue layer between Rasa's actions and the services."""
