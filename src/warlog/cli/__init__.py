"""The command line: one module per kind of user, each command a few lines over the library."""
