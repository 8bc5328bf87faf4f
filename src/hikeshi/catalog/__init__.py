"""The catalog: the customer-facing products (status-page components), regions, stores and partners."""
