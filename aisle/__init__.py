"""Process wiring shared by every Aisle entry point: settings, database engines, logs, redaction
and the runtime environment of child processes."""
