"""``python -m nightstand``: the same as the ``nightstand`` command."""

from nightstand.cli import main

main()
