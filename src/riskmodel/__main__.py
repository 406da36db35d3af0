"""``python -m riskmodel`` runs the command line."""

from riskmodel.cli.app import main

main()
