"""Print the package's requirements from pyproject.toml alone, so image dependency layers cache on it.

Usage: `python requirements.py` prints the base dependencies; `python requirements.py EXTRA…` prints
only those extras' (the image's own layer on top of the shared base).
"""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
extras = sys.argv[1:]
if extras:
    print("\n".join(r for extra in extras for r in project["optional-dependencies"][extra]))
else:
    print("\n".join(project["dependencies"]))
