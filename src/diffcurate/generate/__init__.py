"""Prompt generation for sparse taxonomy cells (`gapfill`) and detail expansion (`expand`)."""
