"""The visits feature: rules (pure), service (use cases), views (pure), forms (declared)."""
