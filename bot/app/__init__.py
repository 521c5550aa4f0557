"""The Discord adapter: the bot subclass, its error policy, scheduler and deliveries.

The only part of ``bot`` that imports discord. Cogs (in ``cogs/``) use it to
turn Discord events and commands into calls on the core.
"""
