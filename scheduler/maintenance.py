"""Housekeeping as a planner: retention of old outbox (and inbox) rows, and fresh query statistics."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services import Services
from storage.retention import prune


async def maintain(services: Services, now: datetime) -> None:
    """Prune what the retention setting lets go, then `PRAGMA optimize`."""
    await prune(services.db, now, older_than=timedelta(days=services.settings.storage.retention_days))
    await services.db.optimize()
