"""One module of page routes per resource; each exposes ``router``."""
