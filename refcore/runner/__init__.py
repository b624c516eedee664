"""Run Tempest against a real cloud for a guideline/target, and the local sandbox cloud.

Modules: :mod:`.cloud` (credentials + Keystone preflight), :mod:`.tempest_conf`
(tempest.conf from the catalog), :mod:`.tempest` (the Tempest subprocess and its subunit
stream), :mod:`.streams` (re-runs tagged into one stream, an interrupted stream cut
back for ``--resume``), :mod:`.sandbox` (OpenStack services on 127.0.0.1). The mapping of guideline tests
onto the installed Tempest is pure, in :mod:`refcore.core.testmap`; the upload body and its
signature are the client's, :mod:`refcore.client.body`. Nothing here prints: progress goes through callbacks, the CLI renders.
"""
