"""discord.py extensions, one per feature; thin: they translate, the core decides."""
