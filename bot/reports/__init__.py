"""Coordinator reports: table exports (.xlsx/.csv), the monthly numbers and their chart.

Pure code: tables and numbers in, bytes out. No Telegram and no SQL here; the handler
(handlers/reports.py) fetches rows through storage/reports.py and renders off the event loop.
"""
