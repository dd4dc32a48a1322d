"""Print an image's requirements from pyproject.toml and images.toml alone, so its dependency layer caches on them.

Usage: `python requirements.py IMAGE` prints the base dependencies and the image's extras (images.toml),
with the extras' references to other extras (`coretelecoms[postgres]`) expanded.
"""

import re
import sys
import tomllib
from pathlib import Path

here = Path(__file__).parent
# Beside it in a build (the Dockerfile copies both into one folder), one level up in the repository.
root = here if (here / "pyproject.toml").exists() else here.parent
project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
images = tomllib.loads((here / "images.toml").read_text(encoding="utf-8"))
SELF = re.compile(rf"^{project['name']}\[([\w,\s-]+)\]$")


def expand(extras: list[str], seen: set[str]) -> list[str]:
    out = []
    for extra in extras:
        if extra in seen:
            continue
        seen.add(extra)
        for requirement in project["optional-dependencies"][extra]:
            match = SELF.match(requirement)
            out += expand([e.strip() for e in match.group(1).split(",")], seen) if match else [requirement]
    return out


(name,) = sys.argv[1:]
if name not in images:
    sys.exit(f"unknown image {name!r}; images.toml has {', '.join(images)}")
print("\n".join(dict.fromkeys([*project["dependencies"], *expand(images[name]["extras"], set())])))
