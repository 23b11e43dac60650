"""OpenSLO: SLO objects in (read, make)."""
