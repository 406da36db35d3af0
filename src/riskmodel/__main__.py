"""``python -m riskmodel`` runs the command line."""

from riskmodel.cli.app import main

if __name__ == "__main__":  # not again in the processes of ``--workers N``, which import this module
    main()
