"""Prometheus: alerting rules in (read, make), out (write), and a team's own rule files
checked against the handbook (check)."""
