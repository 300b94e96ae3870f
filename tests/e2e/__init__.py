"""End-to-end tests: the real program deployed into the local cloud (moto + local trigger)."""
