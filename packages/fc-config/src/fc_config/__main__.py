"""``python -m fc_config``: the same as the ``fc-config`` command."""

from fc_config.cli import main

raise SystemExit(main())
