"""The shared kernel: database, the one event log, working time, identity, errors."""
