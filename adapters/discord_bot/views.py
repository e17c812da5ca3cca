"""The Export / Timeline / Credits buttons under replies, as a persistent view that survives restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.engine.messages import DEFAULT_ACTIONS, Action
from bot.engine.ports import Button
from bot.engine.replies import buttons as buttons_for

PressHandler = Callable[[discord.Interaction[Any], Action], Awaitable[None]]

CUSTOM_IDS: dict[Action, str] = {
    Action.EXPORT: "nemo:export",
    Action.TIMELINE: "nemo:status",
    Action.CREDITS: "nemo:credits",
}


async def _ignore(interaction: discord.Interaction[Any], action: Action) -> None:
    """Buttons drawn on a reply never run: presses reach the view registered at start-up."""


class ActionButton(discord.ui.Button["ActionsView"]):
    """One action button; its custom id alone identifies it, so a press works after a restart."""

    def __init__(self, button: Button, on_press: PressHandler) -> None:
        action = button.action
        style = discord.ButtonStyle.primary if action is Action.EXPORT else discord.ButtonStyle.secondary
        super().__init__(label=button.label, emoji=button.emoji, style=style, custom_id=CUSTOM_IDS[action])
        self.action = action
        self._on_press = on_press

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press on."""
        await self._on_press(interaction, self.action)


class ActionsView(discord.ui.View):
    """A row of action buttons with no timeout."""

    def __init__(self, labelled: Sequence[Button], on_press: PressHandler = _ignore) -> None:
        super().__init__(timeout=None)
        for button in labelled:
            self.add_item(ActionButton(button, on_press))


def persistent_view(on_press: PressHandler) -> ActionsView:
    """The view added with `client.add_view` at start-up: it answers presses on any message, old or new."""
    return ActionsView(buttons_for(DEFAULT_ACTIONS, "en"), on_press)


def buttons(labelled: Sequence[Button]) -> ActionsView | None:
    """The labelled buttons drawn under a reply, or None for none.

    The view is stopped before sending so discord.py does not keep one view per message in memory forever;
    Discord still shows the components, and presses match the persistent view by custom id.
    """
    if not labelled:
        return None
    view = ActionsView(labelled)
    view.stop()
    return view
