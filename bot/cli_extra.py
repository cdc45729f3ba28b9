"""More subcommands registered by later features (kept apart so __main__ stays small)."""
