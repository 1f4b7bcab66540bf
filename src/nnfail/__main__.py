import sys

from nnfail.book.cli import main

sys.exit(main())
