"""Analytics: rollups of the event log, the public performance dashboard, bottlenecks,
event-log exports and imports, and what-if simulation of a simpler procedure."""
