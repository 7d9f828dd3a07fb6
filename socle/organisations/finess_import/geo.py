"""Lambert 93 (the etalab CSV's projection) to WGS84 latitude and longitude."""

import math


def lambert93_vers_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees from Lambert-93 metres (IGN algorithms ALG0004/ALG0001, GRS80;
    the GRS80/WGS84 difference is below a metre, enough to place an ESMS on a map)."""
    n, c, xs, ys = 0.7256077650, 11754255.426, 700000.0, 12655612.050
    e, lon0 = 0.0818191910428158, math.radians(3)
    r = math.hypot(x - xs, y - ys)
    gamma = math.atan((x - xs) / (ys - y))
    lon = lon0 + gamma / n
    latiso = -1 / n * math.log(abs(r / c))
    lat = 2 * math.atan(math.exp(latiso)) - math.pi / 2
    for _ in range(20):
        es = e * math.sin(lat)
        nouveau = 2 * math.atan(((1 + es) / (1 - es)) ** (e / 2) * math.exp(latiso)) - math.pi / 2
        if abs(nouveau - lat) < 1e-12:
            lat = nouveau
            break
        lat = nouveau
    return math.degrees(lat), math.degrees(lon)
