"""``python -m refcore``."""

from refcore.cli import main

main()
