"""``python -m wealthgraph.generate``."""

import sys

from .cli import main

sys.exit(main())
