"""The buttons under replies: Export / Timeline / Credits as a persistent view, and buttons that carry an argument
(an offered edit's id) as dynamic items; both answer presses after a restart."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.engine.messages import DEFAULT_ACTIONS, Action
from bot.engine.ports import Button
from bot.engine.replies import buttons as buttons_for

PressHandler = Callable[[discord.Interaction[Any], str], Awaitable[None]]
"""Takes a press and what it sends, as if typed (`export`, `/apply 1a2b3c4d`)."""

CUSTOM_IDS: dict[Action, str] = {
    Action.EXPORT: "nemo:export",
    Action.TIMELINE: "nemo:status",
    Action.CREDITS: "nemo:credits",
    Action.CANCEL: "nemo:cancel",
}
_WITH_ARGUMENT = re.compile(r"nemo:(?P<action>[a-z]+):(?P<argument>\w{1,32})", re.ASCII)


async def _ignore(interaction: discord.Interaction[Any], command: str) -> None:
    """Buttons drawn on a reply never run: presses reach the items registered at start-up."""


def custom_id(button: Button) -> str:
    """The button's custom id: fixed per action, or `nemo:action:argument` for a button with an argument."""
    return f"nemo:{button.action.value}:{button.argument}" if button.argument else CUSTOM_IDS[button.action]


class ActionButton(discord.ui.Button["ActionsView"]):
    """One action button; its custom id alone identifies it, so a press works after a restart."""

    def __init__(self, button: Button, on_press: PressHandler) -> None:
        style = discord.ButtonStyle.secondary
        if button.action in (Action.EXPORT, Action.APPLY):
            style = discord.ButtonStyle.primary
        super().__init__(label=button.label, emoji=button.emoji, style=style, custom_id=custom_id(button))
        self.command = button.command
        self._on_press = on_press

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press on."""
        await self._on_press(interaction, self.command)


class ActionsView(discord.ui.View):
    """A row of action buttons with no timeout."""

    def __init__(self, labelled: Sequence[Button], on_press: PressHandler = _ignore) -> None:
        super().__init__(timeout=None)
        for button in labelled:
            self.add_item(ActionButton(button, on_press))


def persistent_view(on_press: PressHandler) -> ActionsView:
    """The view added with `client.add_view` at start-up: it answers presses on any message, old or new."""
    return ActionsView(buttons_for((*DEFAULT_ACTIONS, Action.CANCEL), "en"), on_press)


def argument_buttons(on_press: PressHandler) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The dynamic item added with `client.add_dynamic_items`: it answers presses of buttons with an argument."""

    class WithArgument(discord.ui.DynamicItem[discord.ui.Button[Any]], template=_WITH_ARGUMENT):
        def __init__(self, action: str, argument: str) -> None:
            super().__init__(discord.ui.Button(custom_id=f"nemo:{action}:{argument}"))
            self.command = f"/{action} {argument}"

        @classmethod
        async def from_custom_id(
            cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str],
        ) -> WithArgument:
            if match["action"] not in {action.value for action in Action}:
                raise ValueError(f"no such action: {match['action']}")
            return cls(match["action"], match["argument"])

        async def callback(self, interaction: discord.Interaction[Any]) -> None:
            await on_press(interaction, self.command)

    return WithArgument


def buttons(labelled: Sequence[Button]) -> ActionsView | None:
    """The labelled buttons drawn under a reply, or None for none.

    The view is stopped before sending so discord.py does not keep one view per message in memory forever;
    Discord still shows the components, and presses match the registered items by custom id.
    """
    if not labelled:
        return None
    view = ActionsView(labelled)
    view.stop()
    return view
