"""`make bench`: the performance figures of SPEC section 7, measured against the production stack."""
