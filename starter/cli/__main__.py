"""`python -m starter.cli`: the same as the `sendclock` command."""

from starter.cli import main

main()
