import sys

from toponet.cli import main

sys.exit(main())
