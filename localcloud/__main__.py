"""`python -m localcloud <demo|serve|publish|orders|dlq> [--stack dev] [-c k=v ...]`."""

import sys

from .cli import main

sys.exit(main())
