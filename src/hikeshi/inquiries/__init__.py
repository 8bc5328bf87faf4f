"""Support inquiries: logged by support and sales (and internal reports by anyone), similar-inquiry
search, burst detection, and the alerts they raise."""
