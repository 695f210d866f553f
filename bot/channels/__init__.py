"""Rasa input channels of Aisle (loaded by the Rasa server from ``credentials.yml``)."""
