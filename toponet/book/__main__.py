"""``python -m toponet.book build --profile smoke``."""
import sys

from toponet.book.cli import main

sys.exit(main())
