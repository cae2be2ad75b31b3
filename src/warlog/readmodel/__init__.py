"""Read models of the archive: one interface, one module per backend."""
