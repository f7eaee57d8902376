"""``python -m secondhct`` runs the command line."""

from .cli import main

main()
