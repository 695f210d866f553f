"""Running and testing the whole system: servers, deployment profiles, proxy, load and fuzz runs,
the terminal chat. Imported by scripts and tests only."""
