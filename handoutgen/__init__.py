"""handoutgen: branded one-page home-exercise handouts from YAML."""

__version__ = "0.1.0"
