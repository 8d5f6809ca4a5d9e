"""One OSM extract, a county's roads and village positions: read once, match, apply.

:func:`read_county_osm` is what ``ruralnet plan --osm-file`` and
``ruralnet geography --osm-file`` call: it reads the extract in one streaming
pass (:func:`ruralnet.roads.osm.read_osm_extract`), matches its settlement
places to the official village list
(:func:`ruralnet.geo.osm_places.match_osm_places`) and moves the matched
villages whose positions are still synthetic
(:func:`ruralnet.geo.osm_places.with_osm_positions`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ruralnet.geo.county import County
from ruralnet.geo.osm_places import (
    MatchParams,
    PlaceMatch,
    match_osm_places,
    position_counts_line,
    with_osm_positions,
)
from ruralnet.roads.network import Network
from ruralnet.roads.osm import ReadStats, read_osm_extract

logger = logging.getLogger(__name__)

__all__ = ["CountyOsm", "read_county_osm"]


@dataclass(frozen=True)
class CountyOsm:
    """A county with OSM village positions, its OSM roads and the match report.

    Attributes
    ----------
    county
        The county, matched villages moved to their OSM positions.
    network
        The extract's roads around the county.
    match
        The village match (write its unmatched lists with ``match.write_csv``).
    stats
        What reading the extract found and repaired.
    """

    county: County
    network: Network
    match: PlaceMatch
    stats: ReadStats

    def summary(self) -> str:
        """Return the match summary and the per-source village position counts."""
        return f"{self.match.summary()}\n{position_counts_line(self.county.villages)}"


def read_county_osm(county: County, path: str | Path, *, buffer_m: float = 3000.0,
                    speeds: Mapping[str, float] | None = None,
                    params: MatchParams | None = None) -> CountyOsm:
    """Read an OSM extract for a county: roads, and village positions where names match.

    Parameters
    ----------
    county
        The loaded county (a planner's village file already merged, if any:
        its positions win over OSM).
    path
        ``.osm``, ``.osm.bz2`` or ``.osm.pbf`` extract, up to a whole province.
    buffer_m
        Roads (and places) up to this far outside the boundary are read.
    speeds
        km/h per road class (see :func:`ruralnet.roads.osm.read_osm_extract`).
    params
        Distances of the village match rules.

    Returns
    -------
    CountyOsm
    """
    extract = read_osm_extract(path, county.boundary, buffer_m=buffer_m, speeds=speeds)
    match = match_osm_places(county, extract.places, params,
                             source=extract.network.provenance.description)
    moved = with_osm_positions(county, match)
    logger.info("%s", position_counts_line(moved.villages))
    return CountyOsm(moved, extract.network, match, extract.stats)
