"""Start initviz: ``python main.py [EXP.json]``."""

import sys

from initviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
