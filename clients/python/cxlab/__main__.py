"""``python3 -m cxlab OUT_DIR [--proto-root DIR]``: generate the gRPC stubs
(the same as ``clients/python/gen_stubs.py``)."""

import sys

from ._stubs import main

sys.exit(main())
