"""Transports: adapters between a messenger and the neutral core."""
