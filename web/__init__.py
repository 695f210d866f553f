"""Aisle's web app: the shopper widget on a demo storefront and the agent-assist console."""
