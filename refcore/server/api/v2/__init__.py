"""refcore v2 routes: one JSON envelope, OpenAPI-described."""
