"""Run the double standalone: `python -m bot.telegram_double --port 0 --token T`."""

from __future__ import annotations

import argparse
import asyncio

from .server import TelegramDouble


async def _serve(args: argparse.Namespace) -> None:
    double = TelegramDouble(
        token=args.token,
        bot_username=args.bot_username,
        rtt=args.rtt,
        enforce_limits=not args.no_limits,
        host=args.host,
        port=args.port,
    )
    await double.start()
    print(f"api_base_url={double.api_base_url}", flush=True)
    print(f"file_base_url={double.file_base_url}", flush=True)
    try:
        await asyncio.Event().wait()  # serve until interrupted
    finally:
        await double.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.telegram_double", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--bot-username", default="kades_test_bot")
    parser.add_argument("--rtt", type=float, default=0.0, help="simulated round trip per call, seconds")
    parser.add_argument("--no-limits", action="store_true", help="disable flood limits")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_serve(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
