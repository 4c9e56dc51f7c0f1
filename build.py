#!/usr/bin/env python3
"""Build the site: `python build.py [options]` is the same as `cmi-site build [options]`.

The pipeline lives in src/cmi_site/pipeline.py; this file only makes `python build.py` work from
a checkout where the package is not installed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from cmi_site.cli import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
