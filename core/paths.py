"""Where the project lives, so code finds its notes, flows and state folders wherever it is started from."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
