"""Write the README's screenshots: SVGs the app itself renders on the demo scene.

    python screenshots/make.py

Same scene and frozen clock as the snapshot tests, so the pictures match what CI checks.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sessiontui.demo_command import scene_app

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent
SIZE = (160, 45)
VIEWS: dict[str, tuple[str, ...]] = {
    "dashboard": (),
    "stuck": ("s",),
    "detail": ("slash", *"integration", "enter", "enter"),
    "costs": ("c",),
    "search": ("ctrl+f", *"calendar", "enter"),
}


async def shoot(scene: Path, name: str, keys: tuple[str, ...]) -> None:
    app = scene_app(scene, NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.6)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(1.5)  # a picture, not a test: let the search and the charts settle
        app.save_screenshot(str(OUT / f"{name}.svg"))


def main() -> None:
    os.environ["TZ"] = "UTC"
    time.tzset()
    os.environ["HOME"] = tempfile.mkdtemp()  # no real ~/.claude in the picture
    scene = Path("/tmp/sessiontui-snapshot-scene")  # the path shown is the snapshot tests' one
    for name, keys in VIEWS.items():
        shutil.rmtree(scene, ignore_errors=True)
        asyncio.run(shoot(scene, name, keys))
        print(f"wrote screenshots/{name}.svg")
    shutil.rmtree(scene, ignore_errors=True)


if __name__ == "__main__":
    main()
