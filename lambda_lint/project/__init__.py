"""Layer 3: code and templates together (issue 5)."""
