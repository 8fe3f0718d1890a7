"""Layan: public services online, measured in public."""
