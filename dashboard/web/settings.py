"""Where the dashboard listens unless told otherwise (used by `raak serve` and `raak demo`)."""

DEFAULT_PORT = 8050
DEFAULT_HOST = "127.0.0.1"
