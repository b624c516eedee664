"""refcore's server: one FastAPI application whose JSON API (RefStack v1, refcore v2)
and web pages are two renderers of the same service calls.

- :mod:`refcore.server.app`: ``create_app``, middleware, lifespan.
- :mod:`refcore.server.deps`: the one set of dependencies (settings, sessions, the actor).
- :mod:`refcore.server.errors`: the one error handler (v1 shape, v2 envelope or an HTML page).
- :mod:`refcore.server.api`: v1 and v2 routes; :mod:`refcore.server.pages`: the pages.
"""

from refcore.server.app import create_app

__all__ = ["create_app"]
