"""Acceptance cases of ../shared/acceptance, read as data (the SLA engine issue adds the first)."""
