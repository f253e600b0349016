"""The program: `python -m sessiontui` and the `sessiontui` script (`cli.run`)."""

import gc
import sys

# The collector is held off while the program's modules are imported: ~30 collections that
# find no garbage, 5 ms of a warm `snapshot`. `run` turns it back on. Not in a spawned pool
# worker, which imports this module too (as `__mp_main__` under `python -m`, by its name from
# the `sessiontui` script run as `__mp_main__`) and never calls `run`: it would fold
# transcripts with no collector.
if "__mp_main__" not in sys.modules:  # (a spawned worker's main module, whatever its name)
    gc.disable()

from sessiontui.cli import run

if __name__ == "__main__":
    run()
