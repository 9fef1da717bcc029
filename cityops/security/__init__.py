"""Network security governance: the register of the town's information systems (等保 levels,
filings, assessments and when the next one falls due), the terminals and their endpoint agents, and
the network security incidents with their response steps and report timers (docs/security.md)."""
