"""The directory feature: rules (pure), service (use cases), views (pure), forms (declared)."""
