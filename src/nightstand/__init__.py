"""nightstand: a terminal e-reader for stories."""

__version__ = "0.1.0"
