"""Officers, their roles in units, sign-in and API tokens."""
