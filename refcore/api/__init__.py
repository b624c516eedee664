"""The HTTP API: RefStack's v1 (unchanged for refstack-client) and refcore's v2.

Routes are thin: they read the request, call :mod:`refcore.services`, and shape
the response. Errors are mapped in one place, :mod:`refcore.api.errors`.
"""

from refcore.api.app import create_app

__all__ = ["create_app"]
