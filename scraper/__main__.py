"""``python -m scraper``: the same CLI as the ``scraper`` console script."""

from scraper.cli.app import main

main()
