"""Clients for the outside world, each behind a port of `hikeshi.delivery.ports`, each with a fake."""
