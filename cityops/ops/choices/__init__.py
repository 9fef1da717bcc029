"""The operations centre's enums, one module a domain (as its models)."""
