"""RefStack v1 routes, byte-compatible with refstack-client."""
