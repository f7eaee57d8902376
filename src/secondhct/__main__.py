"""``python -m secondhct`` runs the command line."""

from .entry import main

main()
