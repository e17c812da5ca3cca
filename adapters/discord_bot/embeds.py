"""The engine's cards and video facts as Discord embeds: a colour per stage, times the app keeps current itself."""

from __future__ import annotations

import discord

from adapters.discord_bot.formatting import escape
from bot.engine.card import Card, Stage
from bot.engine.ports import Video

THUMBNAIL_NAME = "thumbnail.jpg"
"""The file name a video's thumbnail is attached under, which its embed points at."""
FRAME_NAME = "frame.jpg"
"""The file name a progress card's picture (a generated clip's first frame) is attached under."""

COLOURS = {
    Stage.QUEUED: discord.Colour(0x95A5A6),
    Stage.GENERATING: discord.Colour(0x9B59B6),
    Stage.EDITING: discord.Colour(0xE67E22),
    Stage.WORKING: discord.Colour(0x5865F2),
    Stage.RENDERING: discord.Colour(0x3498DB),
    Stage.UPLOADING: discord.Colour(0x2ECC71),
}


def card_embed(card: Card) -> discord.Embed:
    """A progress card: the stage as the title and colour, the bar, when it started and when it should be done as
    relative timestamps (`<t:…:R>`: the app counts them down, so no edit is needed to keep them current)."""
    lines = [line for line in (card.bar, escape(card.note) if card.note else None) if line]
    embed = discord.Embed(title=card.title, description="\n".join(lines) or None, colour=COLOURS[card.stage])
    embed.add_field(name=card.started_label, value=f"<t:{int(card.started_at)}:R>", inline=True)
    if card.eta_at is not None:
        embed.add_field(name=card.eta_label, value=f"<t:{round(card.eta_at)}:R>", inline=True)
    if card.queue is not None:
        embed.add_field(name=card.queue_label, value=f"#{card.queue}", inline=True)
    return embed


def video_embed(video: Video) -> discord.Embed:
    """A delivered video's title, duration, resolution and requester, with its thumbnail when one is attached."""
    embed = discord.Embed(title=escape(video.title) or None, colour=COLOURS[Stage.UPLOADING])
    for name, value in video.facts:
        embed.add_field(name=name, value=value, inline=True)
    if video.thumbnail is not None:
        embed.set_thumbnail(url=f"attachment://{THUMBNAIL_NAME}")
    return embed
