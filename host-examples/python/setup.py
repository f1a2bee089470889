"""Bundles the component into the package when it is built from the repository.

`pip install ./host-examples/python` (or building a wheel) copies
`target/wasm/altinn_systemuser.wasm` (or `$SYSTEMUSER_COMPONENT`) next to the package's
modules, so the installed package needs nothing else. Run `make build` (or `make component`)
first; without a component file the package still installs and looks for one at run time.
"""

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
NAME = "altinn_systemuser.wasm"


def _component():
    env = os.environ.get("SYSTEMUSER_COMPONENT") or os.environ.get("ALTINN_SYSTEMUSER_COMPONENT")
    for cand in ([Path(env)] if env else []) + [HERE.parent.parent / "target" / "wasm" / NAME]:
        if cand.is_file():
            return cand
    return None


class BuildWithComponent(build_py):
    def run(self):
        super().run()
        src = _component()
        if src is None:
            print("altinn-systemuser: no component found to bundle; run `make component` first")
            return
        dest = Path(self.build_lib) / "altinn_systemuser" / NAME
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        print(f"altinn-systemuser: bundled {src}")


setup(cmdclass={"build_py": BuildWithComponent})
