"""Agencies, their units, and the services they publish as versioned standards."""
