"""Onboarding and members: rules (governance, pure), service and governance (use cases), views (pure)."""
