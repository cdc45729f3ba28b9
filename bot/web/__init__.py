"""The web console for staff and admins: an aiohttp server in the bot's own process and loop.

`server.WebConsole(app)` serves it; `settings.WebSettings` is `web:` in the config. Pages are
server-rendered Jinja2 templates (`templates/`) with inline SVG charts and no build step.
"""
