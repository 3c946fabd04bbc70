"""Allow ``python -m joulekit`` (used by tests and subprocess launches)."""

from joulekit.cli import main

raise SystemExit(main())
