"""The Slack adapter: slack-bolt's ``AsyncApp`` in Socket Mode, on the shared features.

It translates only: Slack events, slash commands, Block Kit actions and modals become
calls on ``bot.features`` and the store; ``SlackPlatform`` implements the features'
``Platform`` protocol with the Web API. It never imports the Discord adapter.
"""
