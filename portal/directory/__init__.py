"""The public directory of LLR domestic abuse services."""
