"""Sentence encoders: questions to vectors that carry meaning, and the cache of their vectors.

`base` is the interface, `registry` the table of encoders by name (light: the facade reads the
default from it), `cache` the vectors kept on disk, one module per encoder.
"""
