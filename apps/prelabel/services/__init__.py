"""Writes for pre-labeling: image jobs, interactive prompts, video propagation."""
