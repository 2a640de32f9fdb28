"""Reusable widgets: validated form inputs, form fields and the form screen they live on."""
