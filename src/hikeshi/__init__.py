"""hikeshi (火消し): incident response for SaaS companies, from the alert to the customer notice."""

__version__ = "0.1.0"
