"""Turn logic on plain values (no rasa-sdk import): constraints, references, refinements, finder, typed replies."""
