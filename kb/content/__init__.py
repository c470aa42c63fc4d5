"""What authors write: units (Markdown with YAML front matter), snippets, the one parse of a body.

Depends on nothing else in `kb` but `errors` and `settings`: content can be read and checked
without a database.
"""
