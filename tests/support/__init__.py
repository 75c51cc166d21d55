"""Test support shared by the test tiers and the benchmarks.

Groq wire bodies and constants, a scripted `httpx.MockTransport` server, and
loopback servers (faults, rate limits, batches). Fixtures live in the
tiers' `conftest.py`.
"""
