"""Decision support for the operations centre: hot spots in space and time, recurring places,
rankings by the KPI formulas and the weekly forecast of case volume (docs/ops.md, "Decision support")."""
