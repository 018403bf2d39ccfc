"""`python -m ingest [PATH ...] [--rebuild]`: build or update the index from markdown notes."""

import argparse
import sys
from pathlib import Path

from core.errors import cli_exit


def main(argv: list[str] | None = None) -> int:
    """The CLI's exit code: 2 with one line on stderr for a user error."""
    return cli_exit(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Chunk markdown notes, embed them and store them in the Chroma index (incremental).",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        help=".md files or folders, each a source a search can filter on (its name: notes, mslearn-labs); "
        "default: the ones the index was built from, else notes/",
    )
    parser.add_argument("--rebuild", action="store_true", help="re-embed everything instead of reusing vectors")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from ingest.build import build_index

    try:
        summary = build_index(args.paths or None, rebuild=args.rebuild, progress=not args.quiet)
    except KeyboardInterrupt:
        print("interrupted: the previous index is unchanged", file=sys.stderr)
        return 130
    print(summary.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
