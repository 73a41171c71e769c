#!/bin/sh
# bench/smoke.sh: the benchmark's smoke test for `make check`: bench/run
# --quick (every kind of measurement for about 2 s, 20 000 events) on the
# programs just built, as TAP.  Skipped when wrk is not installed.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run" --quick --tap --builddir "${top_builddir:-$here/..}"
