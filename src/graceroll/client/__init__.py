"""Talking to a running engine: find it, and use its API as a Store."""
