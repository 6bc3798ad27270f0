import sys

from engine.access.cli import main

sys.exit(main())
