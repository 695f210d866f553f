"""Shopper behaviour insights: one event model, its store, and the reports built on it."""
