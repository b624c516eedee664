"""The JSON API: RefStack's v1 (unchanged for refstack-client) and refcore's v2.

One module per resource under :mod:`refcore.server.api.v1` and :mod:`refcore.server.api.v2`;
each holds an ``APIRouter`` whose handlers read the request, call :mod:`refcore.services`
and shape the answer. ``ROUTERS`` is what ``create_app`` includes.
"""

from __future__ import annotations

from fastapi import APIRouter

from refcore.server.api.v1 import guidelines as v1_guidelines
from refcore.server.api.v1 import products as v1_products
from refcore.server.api.v1 import profile as v1_profile
from refcore.server.api.v1 import results as v1_results
from refcore.server.api.v1 import vendors as v1_vendors
from refcore.server.api.v2 import catalog as v2_catalog
from refcore.server.api.v2 import certifications as v2_certifications
from refcore.server.api.v2 import cloud_history as v2_cloud_history
from refcore.server.api.v2 import clouds as v2_clouds
from refcore.server.api.v2 import community as v2_community
from refcore.server.api.v2 import diff as v2_diff
from refcore.server.api.v2 import drafts as v2_drafts
from refcore.server.api.v2 import runs as v2_runs
from refcore.server.api.v2 import scoring as v2_scoring
from refcore.server.api.v2 import stakeholders as v2_stakeholders
from refcore.server.api.v2 import usage as v2_usage
from refcore.server.api.v2 import verdicts as v2_verdicts
from refcore.server.api.v2 import whatif as v2_whatif

ROUTERS: list[APIRouter] = [
    v1_results.router,
    v1_guidelines.router,
    v1_profile.router,
    v1_vendors.router,
    v1_products.router,
    v2_runs.router,
    v2_catalog.router,
    v2_community.router,
    v2_diff.router,
    v2_drafts.router,
    v2_scoring.router,
    v2_whatif.router,
    v2_usage.router,
    v2_verdicts.router,
    v2_certifications.router,
    v2_stakeholders.router,
    v2_cloud_history.router,
    v2_clouds.router,
]

__all__ = ["ROUTERS"]
