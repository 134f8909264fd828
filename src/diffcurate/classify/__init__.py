"""Taxonomy classification: backends behind one interface, evaluation against reference labels."""
