"""`kb eval`: labelled data sets written by others, the metrics, and runs in a scratch store."""
