"""The web face: request dependencies, language, and turning domain errors into answers."""
