"""cohortbot's core: course files, schedules, participation and storage.

Nothing in this package imports discord except ``bot.app`` (the Discord
adapter) and the CLI commands that start it.
"""
