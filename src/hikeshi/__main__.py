"""`python -m hikeshi` is the `hikeshi` command."""

from hikeshi.cli import main

main()
