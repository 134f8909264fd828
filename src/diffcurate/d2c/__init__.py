"""Diffusion dataset condensation (D2C): corpus, encode, score, select, attach, train, eval."""
