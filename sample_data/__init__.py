"""Synthetic demo practice. No real patient data anywhere."""
