"""The conversation engine: platform-free, it talks to the world through the ports in `ports.py`."""
