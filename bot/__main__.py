"""`python -m bot ...`: the same CLI as the `mentorbot` command (see bot/cli.py)."""

import sys

from bot.cli import main

sys.exit(main())
