"""The `nemo-bot` command: run the bot (console, or every platform whose token is set) or the simulator."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot import __version__, logs
from bot.config import Settings, env_vars, rejected


def _settings_help() -> str:
    lines = ["environment variables (also read from ./.env):"]
    for var in env_vars():
        default = f" [default: {var.default}]" if var.default else ""
        lines.append(f"  {var.name:<26} {var.description}{default}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every setting listed in --help."""
    parser = argparse.ArgumentParser(
        prog="nemo-bot",
        description="A chat bot that makes AI videos with the NemoVideo agent API.",
        epilog=_settings_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nemo-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, text in (
        ("run", "run every adapter whose token is set; the console when none is"),
        ("telegram", "run the Telegram bot (needs TELEGRAM_BOT_TOKEN)"),
        ("discord", "run the Discord bot (needs DISCORD_BOT_TOKEN)"),
    ):
        _console_options(commands.add_parser(name, help=text), inherit=True)
    console = commands.add_parser("console", help="chat with the bot in this terminal (stdin/stdout)")
    _console_options(console, inherit=True)
    sim = commands.add_parser("sim", help="serve the offline Nemo API simulator")
    sim.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sim.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765)")
    sim.add_argument("--speed", type=float, default=None,
                     help="multiply every simulated delay (default SIM_SPEED or 1.0)")
    sim.add_argument("--resolution", "--sim-resolution", type=_resolution, default=None,
                     help="canvas of new projects: 360p, 480p, 720p or 1080p (default SIM_RESOLUTION or 360p)")
    _console_options(parser, inherit=False)
    return parser


def _console_options(parser: argparse.ArgumentParser, inherit: bool) -> None:
    # A subcommand's copy of an option only overrides the top-level one when it is given.
    def default(value: object) -> object:
        return argparse.SUPPRESS if inherit else value

    parser.add_argument("--sim", action="store_true", default=default(False),
                        help="start the simulator in-process and use it")
    parser.add_argument("--sim-speed", type=float, default=default(0.05),
                        help="simulator time scale with --sim (0.05)")
    parser.add_argument("--sim-resolution", type=_resolution, default=default(None),
                        help="simulator canvas with --sim: 360p (default, fast), 480p, 720p or 1080p")
    parser.add_argument("--out", type=Path, default=default(Path("videos")),
                        help="folder for delivered videos (./videos)")
    parser.add_argument("--log-file", type=Path, default=default(None), metavar="PATH",
                        help="write the log to PATH (secrets masked) instead of stderr, at LOG_LEVEL (WARNING)")


def _resolution(value: str) -> str:
    """A simulator canvas name, checked against the simulator's own list (imported only when one is given)."""
    from nemo_sim.config import CANVAS

    if value not in CANVAS:
        raise argparse.ArgumentTypeError(f"choose from {', '.join(CANVAS)}")
    return value


def redactor_for(settings: Settings) -> logs.Redactor:
    """A redactor that knows every configured secret: bot and Nemo tokens, the webhook secret, Redis's password."""
    secrets = (settings.telegram.bot_token, settings.discord.bot_token, settings.nemo_token,
               settings.telegram.webhook_secret)
    values = [secret.get_secret_value() for secret in secrets if secret is not None]
    return logs.Redactor([*values, urlsplit(settings.redis_url).password if settings.redis_url else None])


def configured_platforms(settings: Settings) -> list[str]:
    """The platforms whose bot token is set."""
    tokens = (("telegram", settings.telegram.bot_token), ("discord", settings.discord.bot_token))
    return [name for name, token in tokens if token is not None]


async def _sim(args: argparse.Namespace) -> int:
    from nemo_sim.config import SimConfig
    from nemo_sim.server import serve_forever

    config = SimConfig.from_env()
    given = {"speed": args.speed, "resolution": args.resolution}
    config = config.patched({name: value for name, value in given.items() if value is not None})
    print(f"Nemo API simulator on http://{args.host}:{args.port} (speed {config.speed}, {config.resolution});"
          " Ctrl-C stops it.")
    print(f"Point the bot at it: NEMO_API_URL=http://{args.host}:{args.port} nemo-bot console", flush=True)
    await serve_forever(args.host, args.port, config)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nemo-bot` command."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        # One line naming each rejected variable; the values are not shown (hide_input_in_errors).
        print(f"nemo-bot: ValidationError: {rejected(exc)}", file=sys.stderr)
        return 1
    redactor = redactor_for(settings)
    try:
        logs.setup(settings.log_level, redactor, file=args.log_file, quiet=_runs_console(settings, args))
    except OSError as exc:
        print(f"nemo-bot: cannot write the log to {args.log_file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_until_stopped(_command(settings, args, redactor)))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _stopped_by(exc, redactor)


def _runs_console(settings: Settings, args: argparse.Namespace) -> bool:
    """Whether the command chats in this terminal (then its stdout and stderr are the conversation's)."""
    return args.command == "console" or (args.command in (None, "run") and not configured_platforms(settings))


def _stopped_by(exc: Exception, redactor: logs.Redactor) -> int:
    # A library's start-up error may quote a bot token: print it masked, and the traceback to the log only.
    logging.getLogger("nemo-bot").debug("stopped by an error", exc_info=True)
    print(f"nemo-bot: {redactor.redact(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
    return 1


async def _until_stopped(work: Coroutine[Any, Any, int]) -> int:
    """Run `work`; SIGTERM (docker stop, systemd) cancels it so every resource closes cleanly."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
    try:
        return await task
    except asyncio.CancelledError:
        return 143


async def _command(settings: Settings, args: argparse.Namespace, redactor: logs.Redactor) -> int:
    """The coroutine the chosen command runs."""
    if args.command == "sim":
        return await _sim(args)
    from bot.app import serve_console, serve_platforms

    sim_speed = args.sim_speed if args.sim else None
    sim = {"sim_speed": sim_speed, "sim_resolution": args.sim_resolution}
    if args.command in ("telegram", "discord"):
        if args.command not in configured_platforms(settings):
            print(f"nemo-bot {args.command}: set {args.command.upper()}_BOT_TOKEN first", file=sys.stderr)
            return 2
        return await serve_platforms(settings, [args.command], redactor, **sim)
    if args.command in (None, "run") and configured_platforms(settings):
        return await serve_platforms(settings, configured_platforms(settings), redactor, **sim)
    return await serve_console(settings, args.out, redactor, **sim)


if __name__ == "__main__":
    sys.exit(main())
