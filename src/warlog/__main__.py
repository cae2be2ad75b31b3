"""`python -m warlog` runs the command line."""

from warlog.cli.app import main

main()
