import sys

from nnfail.cli import main

if __name__ == "__main__":  # `python -m nnfail`; Dask's worker processes import this module again
    sys.exit(main())
