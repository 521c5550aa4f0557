"""The features both platforms share, over a small ``Platform`` protocol.

What is due and how it is sent exactly once (``deliveries``, ``fanout``), what each
kind of item does (``modules``, ``participation``), who is reminded or nudged: written
once here, in plain Python. Each adapter (``bot.app`` for Discord, ``bot.slack`` for
Slack) implements the protocols in ``bot.features.platform`` and only translates.
Nothing here imports a platform library, nor either adapter (tests/test_structure.py).
"""
