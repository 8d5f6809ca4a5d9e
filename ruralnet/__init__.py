"""ruralnet: plan a county's rural e-commerce logistics network (县乡村三级物流体系).

The package is layered; each folder imports only from the folders below it::

    exceptions, settings, _validate, _io   errors, warnings, settings, shared checks and I/O
    geo/        admin divisions, county loading, coordinates, village files
    roads/      road networks (OSM, synthetic) and travel matrices
    siting/     exact facility-location and covering models
    routing/    vehicle routing with two-way loads, daily two-tier plans
    lrp/        location-routing of the county warehouses
    plan/       the plan document, its schema, building a plan
    programme/  indicator systems, scorecard, budgets, tracking, selection
    pipeline    plan_county: the one path from a county to a plan
    outputs/    maps, report, exports, comparison
    regional/   many counties on Dask
    cli/        the command line

The names a notebook needs are importable from here:

>>> import ruralnet
>>> sorted(ruralnet.__all__)[:3]
['County', 'DemandParams', 'InfeasibleError']
"""

from __future__ import annotations

import logging

from ruralnet.exceptions import (
    InfeasibleError,
    InputFileError,
    ParameterError,
    RuralnetError,
    RuralnetWarning,
)
from ruralnet.geo.county import County, DemandParams, load_county
from ruralnet.geo.village_file import VillageFile
from ruralnet.outputs.maps import plan_map
from ruralnet.outputs.write import write_outputs
from ruralnet.pipeline import plan_county
from ruralnet.plan.build import PlanParams, Scenario
from ruralnet.plan.document import Plan, validate_plan
from ruralnet.programme.scorecard import Scorecard, score_plan
from ruralnet.settings import VERSION as __version__
from ruralnet.settings import settings

logging.getLogger(__name__).addHandler(logging.NullHandler())


def load_scenario(path: str) -> Scenario:
    """Read a scenario TOML file (see ``scenarios/README.md``).

    Examples
    --------
    >>> load_scenario("no/such/file.toml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ruralnet.exceptions.InputFileError: ...
    """
    return Scenario.from_file(path)


__all__ = [
    "County", "DemandParams", "InfeasibleError", "InputFileError", "ParameterError", "Plan",
    "PlanParams", "RuralnetError", "RuralnetWarning", "Scenario", "Scorecard", "VillageFile",
    "__version__",
    "load_county", "load_scenario", "plan_county", "plan_map", "score_plan", "settings",
    "validate_plan", "write_outputs",
]
