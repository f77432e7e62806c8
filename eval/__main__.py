"""`python -m eval`; see eval/cli.py."""

from eval.cli import main

raise SystemExit(main())
