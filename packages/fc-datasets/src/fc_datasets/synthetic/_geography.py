"""The fixed geography of the synthetic planet: smooth continents and their mountains.

The continents are loosely shaped after the Earth's (so that a map looks familiar and the land
fraction is about 30 %), each a super-ellipse in latitude and longitude with a coastline that
wiggles a little. The geography does not depend on the seed: datasets made with different seeds
share their land-sea mask and orography, as real datasets of different years do.
"""

from __future__ import annotations

import numpy as np

__all__ = ["land_sea_mask", "orography"]

# (centre latitude, centre longitude, half-extent in latitude, half-extent in longitude as
# great-circle degrees at the centre latitude), all in degrees.
_CONTINENTS: tuple[tuple[float, float, float, float], ...] = (
    (50.0, 255.0, 22.0, 28.0),  # North America
    (18.0, 265.0, 11.0, 6.0),  # Central America
    (8.0, 281.0, 7.0, 5.0),  # the isthmus
    (-15.0, 298.0, 29.0, 16.0),  # South America
    (50.0, 18.0, 12.0, 20.0),  # Europe
    (49.0, 95.0, 22.0, 44.0),  # Asia
    (20.0, 78.0, 11.0, 9.0),  # India
    (16.0, 103.0, 12.0, 8.0),  # Indochina
    (5.0, 20.0, 30.0, 25.0),  # Africa
    (24.0, 45.0, 10.0, 12.0),  # Arabia
    (-25.0, 134.0, 11.0, 16.0),  # Australia
    (73.0, 318.0, 9.0, 7.0),  # Greenland
)
#: Antarctica: everything poleward of this latitude, before the coastline wiggle.
_ANTARCTIC_COAST = -68.0

# Mountain ranges and plateaus: (latitude, longitude, half-extents as above, height in m).
_MOUNTAINS: tuple[tuple[float, float, float, float, float], ...] = (
    (45.0, 248.0, 14.0, 5.0, 2200.0),  # Rockies
    (-18.0, 289.0, 26.0, 3.5, 3800.0),  # Andes
    (33.0, 88.0, 6.0, 16.0, 4500.0),  # Tibet and the Himalaya
    (46.0, 10.0, 3.0, 7.0, 1800.0),  # Alps
    (0.0, 36.0, 12.0, 6.0, 1400.0),  # East African highlands
    (73.0, 318.0, 7.0, 5.0, 2600.0),  # Greenland ice sheet
    (62.0, 110.0, 8.0, 15.0, 900.0),  # Siberian uplands
)
_ANTARCTIC_DOME = (18.0, 3200.0)  # e-folding distance from the pole (deg), height (m)
_PLAINS = 300.0  # elevation of land away from the mountains (m)

# Width of the coastal transition of the mask, in units of a continent's half-extent.
_COAST_WIDTH = 0.06


def _ellipse_distance(
    lat: np.ndarray, lon: np.ndarray, centre_lat: float, centre_lon: float, rlat: float, rlon: float
) -> np.ndarray:
    """Distance from the centre in units of the half-extents (1 on the edge of the ellipse)."""
    dlon = (lon - centre_lon + 180.0) % 360.0 - 180.0
    x = dlon * np.cos(np.radians(centre_lat)) / rlon
    y = (lat - centre_lat) / rlat
    return np.sqrt(x * x + y * y)


def land_sea_mask(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """Land fraction in [0, 1] at each point: 1 inland, 0 at sea, smooth across coasts."""
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64) % 360.0
    # A gentle wiggle of the coasts, so that they are not perfect ellipses.
    wiggle = 1.0 + 0.1 * np.sin(np.radians(5.0 * lon + 40.0)) * np.cos(np.radians(6.0 * lat))
    distance = np.full(lat.shape, np.inf)
    for continent in _CONTINENTS:
        np.minimum(distance, _ellipse_distance(lat, lon, *continent), out=distance)
    antarctic = (lat + 90.0) / (_ANTARCTIC_COAST + 90.0)
    np.minimum(distance, antarctic, out=distance)
    distance *= wiggle
    fraction = 0.5 * (1.0 - np.tanh((distance - 1.0) / _COAST_WIDTH))
    # exactly 0 over open sea and 1 inland, so that masks and thresholds are clean
    return np.clip((fraction - 1e-3) / (1.0 - 2e-3), 0.0, 1.0)


def orography(latitudes: np.ndarray, longitudes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Height of the ground (m, >= 0): plains and mountain ranges on land, 0 at sea."""
    lat = np.asarray(latitudes, dtype=np.float64)
    lon = np.asarray(longitudes, dtype=np.float64) % 360.0
    height = np.full(lat.shape, _PLAINS)
    for *ellipse, top in _MOUNTAINS:
        distance = _ellipse_distance(lat, lon, *ellipse)
        height += top * np.exp(-distance * distance)
    efold, top = _ANTARCTIC_DOME
    height += top * np.exp(-(((lat + 90.0) / efold) ** 2))
    return np.maximum(height * mask, 0.0)
