#!/usr/bin/python3
"""Generate the cxlab Python gRPC stubs into a directory.

    /usr/bin/python3 clients/python/gen_stubs.py OUT_DIR [--force]
    /usr/bin/python3 clients/python/gen_stubs.py --check

Then point the package at it: ``CXLAB_STUBS_DIR=OUT_DIR`` (or
``cxlab.set_stubs_dir(OUT_DIR)``). Up-to-date stubs are left alone.
"""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cxlab._stubs import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
