"""The `kb` command line."""
