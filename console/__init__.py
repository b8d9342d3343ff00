"""agent-console: a keyboard-driven desk for customer-service complaints."""

__version__ = "0.1.0"
