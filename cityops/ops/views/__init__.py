"""The operations centre's pages, one module a domain."""
