"""Open311 GeoReport v2: complaints as service requests, for any Open311 client."""
