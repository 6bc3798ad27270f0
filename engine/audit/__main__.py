import sys

from engine.audit.cli import main

sys.exit(main())
