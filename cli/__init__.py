"""The `claimdesk` command line: a stable contract for scripts and power users."""
