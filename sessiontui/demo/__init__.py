"""The demo: bots that write their stores exactly as the real ones do, a scene, a live fleet.

Data side only: nothing here imports Textual. See `workspace` for the directory layout.
"""

from sessiontui.demo.scene import populate
from sessiontui.demo.simulator import Simulator, run_simulation, simulate
from sessiontui.demo.workspace import (
    Expectation,
    SimulationReport,
    StoreReport,
    store_paths,
    workspace_is_empty,
)

__all__ = [
    "Expectation",
    "SimulationReport",
    "Simulator",
    "StoreReport",
    "populate",
    "run_simulation",
    "simulate",
    "store_paths",
    "workspace_is_empty",
]
