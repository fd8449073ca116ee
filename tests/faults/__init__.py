"""The standing fault suite: bad inputs, tampered XComs and SIGKILLs at staged points of the
launcher, each followed by the invariants the launcher promises (``invariants.py``)."""
