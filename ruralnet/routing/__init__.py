"""Vehicle routing with two-way loads: the problem model, two engines, daily county plans.

Imports run one way: ``model → compiled → engines → search → solve →
daily_model → day_inputs → trunk → daily``.
The public names are re-exported here (``from ruralnet.routing import FleetType``).
"""

from ruralnet.routing.daily import (
    MODES,
    CoveragePoint,
    DailyRoute,
    DailyRoutingParams,
    DailyRoutingResult,
    DailyStop,
    FleetType,
    UnservedVillage,
    plan_daily_routes,
)
from ruralnet.routing.model import (
    COST_UNITS_PER_YUAN,
    ENGINES,
    FIRST_SOLUTIONS,
    LOAD_UNITS_PER_KG,
    Client,
    Depot,
    Route,
    RoutingParams,
    RoutingProblem,
    RoutingResult,
    Stop,
    VehicleType,
)
from ruralnet.routing.solve import RoutingModel, export_vrplib, solve_routes

__all__ = [
    "COST_UNITS_PER_YUAN", "ENGINES", "FIRST_SOLUTIONS", "LOAD_UNITS_PER_KG", "MODES",
    "Client", "CoveragePoint", "DailyRoute", "DailyRoutingParams", "DailyRoutingResult",
    "DailyStop", "Depot", "FleetType", "Route", "RoutingModel", "RoutingParams",
    "RoutingProblem", "RoutingResult", "Stop", "UnservedVillage", "VehicleType",
    "export_vrplib", "plan_daily_routes", "solve_routes",
]
