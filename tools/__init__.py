"""Developer commands behind the Makefile (demo, bench); not part of the installed product."""
