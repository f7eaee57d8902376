"""Study extractions: the format (schema), reading (load), and the rules (checks)."""
