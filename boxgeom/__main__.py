"""``python -m boxgeom``: the command line."""

import sys

from boxgeom.cli import main

sys.exit(main())
