"""``python -m local_llm``: the same command line as ``local-llm``."""

import sys

from local_llm.cli import main

sys.exit(main())
