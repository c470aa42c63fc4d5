"""`python -m kb.events SOCKET`: the writer process `kb serve` starts (kb/events/writer.py)."""

import sys

from kb.events.writer import main

sys.exit(main())
