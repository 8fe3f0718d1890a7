"""Satisfaction surveys (SKM): the nine elements, the IKM index, its bands and sample size."""
