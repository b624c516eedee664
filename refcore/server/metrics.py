"""``/metrics``: continuous compliance in Prometheus' text format, for providers watching
their own clouds. Written by ``prometheus_client`` (a registry built per request from the
service's rows, so nothing is kept between scrapes and no process-wide state leaks one
vendor's clouds into another's answer).

Per registered cloud and guideline/target (labels ``cloud_id``, ``cloud``, ``product``,
``version``, ``guideline``, ``target``):

* ``refcore_cloud_last_run_timestamp_seconds`` — when its latest run was uploaded;
* ``refcore_cloud_pass_percent`` — the required pass percentage of that run (the report's);
* ``refcore_cloud_meets`` — 1 when that run meets the guideline/target, else 0;
* ``refcore_cloud_days_since_pass`` — whole days since its latest passing run (no sample
  while no run passed);
* ``refcore_cloud_freshness`` — 1 for its freshness (``status`` label: current, at-risk,
  lapsed), 0 for the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

__all__ = ["CONTENT_TYPE", "exposition"]

#: the classic text format every Prometheus scrapes
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

LABELS = ("cloud_id", "cloud", "product", "version", "guideline", "target")
STATUSES = ("current", "at-risk", "lapsed")


class _Clouds(Collector):
    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows = rows

    def collect(self) -> Iterator[Metric]:
        last = GaugeMetricFamily(
            "refcore_cloud_last_run_timestamp_seconds",
            "Unix time of the cloud's latest run for the guideline/target",
            labels=LABELS,
        )
        percent = GaugeMetricFamily(
            "refcore_cloud_pass_percent",
            "Required pass percentage of the latest run",
            labels=LABELS,
        )
        meets = GaugeMetricFamily(
            "refcore_cloud_meets",
            "1 when the latest run meets the guideline/target, else 0",
            labels=LABELS,
        )
        days = GaugeMetricFamily(
            "refcore_cloud_days_since_pass",
            "Whole days since the latest passing run (absent while none passed)",
            labels=LABELS,
        )
        fresh = GaugeMetricFamily(
            "refcore_cloud_freshness",
            "Certificate freshness of the cloud's guideline/target: 1 for its status",
            labels=(*LABELS, "status"),
        )
        for row in self.rows:
            values = [str(row[k] or "") for k in LABELS]
            at = row["last_run_at"]
            last.add_metric(values, at.replace(tzinfo=UTC).timestamp())
            percent.add_metric(values, float(row["pass_percent"]))
            meets.add_metric(values, 1.0 if row["meets"] else 0.0)
            if row["days_since_pass"] is not None:
                days.add_metric(values, float(row["days_since_pass"]))
            for status in STATUSES:
                fresh.add_metric([*values, status], 1.0 if row["freshness"] == status else 0.0)
        yield from (last, percent, meets, days, fresh)


def exposition(rows: Iterable[dict[str, Any]]) -> bytes:
    """The text exposition of ``rows`` (one per cloud and guideline/target with a run)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Clouds(list(rows)))
    return generate_latest(registry)
