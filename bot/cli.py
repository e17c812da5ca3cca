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

from bot import __version__, collector, errors, logs
from bot.config import Settings, env_vars, rejected
from bot.errors import BadSetting


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
    from bot.app import simulator_installed
    from nemo_sim.config import SimConfig
    from nemo_sim.server import serve_forever

    config = SimConfig.from_env()
    given = {"speed": args.speed, "resolution": args.resolution}
    config = config.patched({name: value for name, value in given.items() if value is not None})
    print(f"Nemo API simulator on http://{args.host}:{args.port} (speed {config.speed}, {config.resolution});"
          " Ctrl-C stops it.")
    print(f"Point the bot at it: NEMO_API_URL=http://{args.host}:{args.port} nemo-bot console", flush=True)
    async with simulator_installed():
        await serve_forever(args.host, args.port, config)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `nemo-bot` command."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        # Each rejected variable with its rule; the values are not shown (hide_input_in_errors).
        return _report(BadSetting(rejected(exc), SETTINGS_FIX), logs.Redactor())
    redactor = redactor_for(settings)
    try:
        logs.setup(
            settings.log_level, redactor, file=args.log_file, quiet=_runs_console(settings, args),
            fmt=settings.log_format,
        )
    except OSError as exc:
        cause = f"cannot write the log to {args.log_file} ({exc.strerror})"
        return _report(BadSetting(cause, "give --log-file a path in a folder this user may write to"), redactor)
    collector.settle()
    try:
        return asyncio.run(_until_stopped(_command(settings, args, redactor)))
    except KeyboardInterrupt:  # Ctrl-C before the loop took over, or a second one while the first one's shutdown ran
        return 130
    except Exception as exc:
        return _stopped_by(exc, redactor)


SETTINGS_FIX = "fix it in the environment or ./.env (`nemo-bot --help` lists every setting)"


def _runs_console(settings: Settings, args: argparse.Namespace) -> bool:
    """Whether the command chats in this terminal (then its stdout and stderr are the conversation's)."""
    return args.command == "console" or (args.command in (None, "run") and not configured_platforms(settings))


def _stopped_by(exc: Exception, redactor: logs.Redactor) -> int:
    # The traceback goes to the log only, at DEBUG; a task group's wrapper is opened to find the cause.
    logging.getLogger("nemo-bot").debug("stopped by an error", exc_info=True)
    cause = errors.stopped_by(exc)
    if isinstance(cause, errors.StartupError):
        return _report(cause, redactor)
    # A library's error may quote a bot token: it is printed masked.
    print(f"nemo-bot: stopped by an unexpected error: {redactor.redact(f'{type(cause).__name__}: {cause}')}",
          file=sys.stderr)
    print("  LOG_LEVEL=DEBUG logs where it happened", file=sys.stderr)
    return 1


def _report(error: errors.StartupError, redactor: logs.Redactor) -> int:
    """Print why the bot cannot start (the cause, then the fix), secrets masked; its exit code."""
    print(redactor.redact(f"nemo-bot: {error.cause}\n  {error.fix}"), file=sys.stderr)
    return error.exit_code


async def _until_stopped(work: Coroutine[Any, Any, int]) -> int:
    """Run `work`; SIGTERM (docker stop, systemd) or SIGINT (Ctrl-C) cancels it so every resource closes cleanly,
    and the bot exits 0. A second signal stops it the default way, at once."""
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    stops = (signal.SIGTERM, signal.SIGINT)

    def stop() -> None:
        task.cancel()
        for sig in stops:
            loop.remove_signal_handler(sig)

    for sig in stops:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop)
    try:
        return await task
    except asyncio.CancelledError:
        return 0


async def _command(settings: Settings, args: argparse.Namespace, redactor: logs.Redactor) -> int:
    """The coroutine the chosen command runs."""
    if args.command == "sim":
        return await _sim(args)
    from bot.app import serve_console, serve_platforms

    sim_speed = args.sim_speed if args.sim else None
    sim = {"sim_speed": sim_speed, "sim_resolution": args.sim_resolution}
    if args.command in ("telegram", "discord"):
        if args.command not in configured_platforms(settings):
            token = f"{args.command.upper()}_BOT_TOKEN"
            raise BadSetting(f"`nemo-bot {args.command}` needs {token}", f"set {token} first")
        return await serve_platforms(settings, [args.command], redactor, **sim)
    if args.command in (None, "run") and configured_platforms(settings):
        return await serve_platforms(settings, configured_platforms(settings), redactor, **sim)
    return await serve_console(settings, args.out, redactor, **sim)


if __name__ == "__main__":
    sys.exit(main())
