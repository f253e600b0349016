"""The program: `python -m sessiontui` and the `sessiontui` script (`cli.run`)."""

import gc

if __name__ != "__mp_main__":  # (a spawned pool worker imports this module too: not there)
    # The collector is held off while the program's modules are imported: ~30 collections
    # that find no garbage, 5 ms of a warm `snapshot`. `run` turns it back on.
    gc.disable()

from sessiontui.cli import run

if __name__ == "__main__":
    run()
