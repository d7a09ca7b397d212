"""``python -m api.cli``: the ``samkorsel`` command line."""

from api.cli import main

main()
