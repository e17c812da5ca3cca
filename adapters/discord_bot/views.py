"""The Export / Timeline / Credits buttons under replies, as a persistent view that survives restarts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from adapters.discord_bot.texts import text
from bot.engine.messages import DEFAULT_ACTIONS, Action

PressHandler = Callable[[discord.Interaction[Any], Action], Awaitable[None]]

CUSTOM_IDS: dict[Action, str] = {
    Action.EXPORT: "nemo:export",
    Action.TIMELINE: "nemo:status",
    Action.CREDITS: "nemo:credits",
}
_LABELS = {Action.EXPORT: "button_export", Action.TIMELINE: "button_status", Action.CREDITS: "button_credits"}
_EMOJI = {Action.EXPORT: "🎬", Action.TIMELINE: "🧾", Action.CREDITS: "💳"}


async def _ignore(interaction: discord.Interaction[Any], action: Action) -> None:
    """Buttons drawn on a reply never run: presses reach the view registered at start-up."""


class ActionButton(discord.ui.Button["ActionsView"]):
    """One action button; its custom id alone identifies it, so a press works after a restart."""

    def __init__(self, action: Action, locale: str, on_press: PressHandler) -> None:
        style = discord.ButtonStyle.primary if action is Action.EXPORT else discord.ButtonStyle.secondary
        super().__init__(
            label=text(_LABELS[action], locale), emoji=_EMOJI[action], style=style, custom_id=CUSTOM_IDS[action],
        )
        self.action = action
        self._on_press = on_press

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the press on."""
        await self._on_press(interaction, self.action)


class ActionsView(discord.ui.View):
    """A row of action buttons with no timeout."""

    def __init__(self, actions: Sequence[Action], locale: str, on_press: PressHandler = _ignore) -> None:
        super().__init__(timeout=None)
        for action in actions:
            self.add_item(ActionButton(action, locale, on_press))


def persistent_view(on_press: PressHandler) -> ActionsView:
    """The view added with `client.add_view` at start-up: it answers presses on any message, old or new."""
    return ActionsView(DEFAULT_ACTIONS, "en", on_press)


def buttons(actions: Sequence[Action], locale: str) -> ActionsView | None:
    """Buttons to draw under a reply, labelled in the user's language, or None for no actions.

    The view is stopped before sending so discord.py does not keep one view per message in memory forever;
    Discord still shows the components, and presses match the persistent view by custom id.
    """
    if not actions:
        return None
    view = ActionsView(actions, locale)
    view.stop()
    return view
