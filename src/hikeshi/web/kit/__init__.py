"""Domain-agnostic web machinery: templates, CSRF, security headers, language, error responses."""
