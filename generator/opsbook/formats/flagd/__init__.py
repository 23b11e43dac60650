"""flagd: flag files in (read, make) and out (write)."""
