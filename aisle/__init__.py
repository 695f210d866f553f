"""Process-level wiring shared by Aisle's entry points: settings and logging."""
