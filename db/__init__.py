"""The store: SQLAlchemy models, engines, units of work, migrations and read queries.

This package imports neither ``core`` nor any UI code.
"""
