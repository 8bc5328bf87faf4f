"""Every message hikeshi sends: channel ports, deliveries and their log, rate limits, the web inbox."""
