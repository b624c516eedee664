"""Run Tempest against a real cloud for a guideline/target, and the local sandbox cloud.

Modules: :mod:`.cloud` (credentials + Keystone preflight), :mod:`.tempest_conf`
(tempest.conf from the catalog), :mod:`.testmap` (guideline tests -> installed Tempest
by idempotent id), :mod:`.tempest` (the Tempest subprocess and its subunit stream),
:mod:`.upload` (the RefStack v1 body and its signature), :mod:`.sandbox` (Keystone +
Swift on 127.0.0.1). Nothing here prints: progress goes through callbacks, the CLI renders.
"""
