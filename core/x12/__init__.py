"""X12 for ClaimDesk: a lenient reader for any file, and the eligibility transactions.

- ``reader``: separators from ISA, typed segments, transactions (``read_x12``, ``X12ReadError``)
- ``envelope``: writing ISA/GS/ST ... SE/GE/IEA and cleaning values
- ``x270``: build and parse the 270 inquiry (005010X279A1); ``validate270``: our own checks
- ``x271``: the 271's loops, and a 271 writer (the sandbox clearinghouse answers with it)
- ``benefits``: 271 -> plain-language benefits cards (``read_271``)
- ``labels``: plain words for 270/271 codes; ``control``: persisted control numbers
"""
