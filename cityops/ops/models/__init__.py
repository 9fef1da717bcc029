"""The operations centre's tables, one module a domain (each imported here so Django finds it)."""
