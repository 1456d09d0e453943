"""`python -m handoutgen`: the same as the `handoutgen` command."""

from handoutgen.cli import main

if __name__ == "__main__":  # not when a worker process imports this module (multiprocessing's spawn)
    main()
