"""Pictures for replies, drawn with Pillow and cut from videos with ffmpeg: the `Pictures` port's implementation.

Nothing here runs on the event loop: drawing and encoding run in a thread, ffmpeg in a subprocess.
"""
