"""The database: tables, migrations, immutable revisions, snapshots of releases, API keys, imports.

Built on `kb.content`; knows nothing of search, answers or publishing policy.
"""
