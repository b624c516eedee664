"""Readers of files and URLs: everything refcore takes from disk or the network
before the core parses it.

- :mod:`refcore.readers.guidelines`: a directory of guidelines or the interop repository's URL
  (fetched once into the cache, with limits), and the parsed-set cache.
- :mod:`refcore.readers.runs`: a run file (subunit, JUnit XML, RefStack JSON, lists) or stdin.
- :mod:`refcore.readers.profiles`: a product profile (YAML) for a verdict, with the run it names.
- :mod:`refcore.readers.evidence`: evidence files for scoring (runs, usage declarations).
"""
