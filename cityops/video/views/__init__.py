"""Video pages, one module per concept: AI alerts, bright kitchens, the live view."""
