"""Input adapters: text from outside (CSV tables) turned into typed data; no statistics here."""
