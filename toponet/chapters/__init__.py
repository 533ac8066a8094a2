"""Chapter code: what each notebook in ``notebooks/`` calls, one module per chapter."""
