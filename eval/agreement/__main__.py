from core.errors import cli_exit
from eval.agreement.cli import main

raise SystemExit(cli_exit(main))
