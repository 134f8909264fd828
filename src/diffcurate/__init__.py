"""diffcurate: reproducible curation of text-to-image diffusion training data."""

__version__ = "0.1.0"
