"""The Discord adapter: slash commands, buttons and mentions in, engine replies out (package name avoids `discord`)."""
