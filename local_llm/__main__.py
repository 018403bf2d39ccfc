"""CLI: python -m local_llm {path,start,stop,status}."""

from __future__ import annotations

import argparse
import sys

from core.errors import cli_exit
from local_llm import model_file, server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_llm", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("path", help="print the GGUF path, assembling it if needed")
    start = commands.add_parser("start", help="start the server (or reuse a running one) and print its URL")
    start.add_argument("--wait", type=float, default=300.0, help="seconds to wait for readiness")
    commands.add_parser("stop", help="stop the server started by `start`")
    commands.add_parser("status", help="show whether the server answers; exit 1 if not")
    args = parser.parse_args(argv)

    if args.command == "path":
        print(model_file.gguf_path(progress=True))
    elif args.command == "start":
        print(server.start(wait_seconds=args.wait, progress=True))
    elif args.command == "stop":
        server.stop()
    else:
        st = server.status()
        state = "ready" if st.ready else "not answering"
        pid = f"pid {st.pid}" if st.pid else "no pid started by local_llm"
        print(f"{st.url}: {state} ({pid}); log: {st.log_file}")
        return 0 if st.ready else 1
    return 0


if __name__ == "__main__":
    sys.exit(cli_exit(main))
