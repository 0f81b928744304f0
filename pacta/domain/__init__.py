"""Pure cores: no Django, no I/O, "now" always passed in."""
