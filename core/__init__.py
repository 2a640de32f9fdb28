"""The rules of billing: money, codes, the claim workflow, DTOs and services.

Imports ``db``; never Textual or Rich.
"""
