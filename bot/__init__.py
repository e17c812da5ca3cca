"""nemo-video-bot: a chat bot that makes AI videos with the NemoVideo agent API."""

__version__ = "0.1.0"
