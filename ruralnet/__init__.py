"""ruralnet: plan a county's rural e-commerce logistics network (县乡村三级物流体系).

The package is layered (see ``STYLE``): geography → network → optimisation
(siting, routing) → plan → targets/maps/report → cli.
"""

from __future__ import annotations

import logging

from ruralnet.exceptions import RuralnetError
from ruralnet.settings import settings

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["RuralnetError", "__version__", "settings"]
