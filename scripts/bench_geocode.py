"""Hit rate of the offline geocoder on random address points of the road network's OSM file.

Each sampled point is written as text the way a coordinator would type it, and geocoded back:

* ``exact``: ``Street 12, 8305 City`` — a hit when the answer is that very point (status
  ``exact``);
* ``no postcode``: ``Street 12`` alone;
* ``typo``: one letter of the street name dropped, doubled or swapped with the next — a hit
  when the point is found as a correction to confirm (status ``corrected`` or ``exact``).

Usage: ``python scripts/bench_geocode.py [--n 200] [--seed 14] [--osm FILE]``
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.network.geocode import AddressIndex, AddressPoint
from routing.paths import BUNDLED_NETWORK


def typo(street: str, rng: random.Random) -> str:
    letters = [i for i, ch in enumerate(street) if ch.isalpha()]
    i = rng.choice(letters[1:-1] or letters)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return street[:i] + street[i + 1:]
    if kind == "double":
        return street[:i] + street[i] + street[i:]
    j = min(i + 1, len(street) - 1)
    chars = list(street)
    chars[i], chars[j] = chars[j], chars[i]
    return "".join(chars)


def same(a: AddressPoint | None, b: AddressPoint) -> bool:
    return a is not None and abs(a.lat - b.lat) < 1e-7 and abs(a.lon - b.lon) < 1e-7


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--osm", type=Path, default=BUNDLED_NETWORK)
    args = parser.parse_args()
    t0 = time.perf_counter()
    index = AddressIndex.from_osm(args.osm)
    load_s = time.perf_counter() - t0
    rng = random.Random(args.seed)
    sample = rng.sample(index.points, min(args.n, len(index.points)))
    hits: Counter[str] = Counter()
    statuses: dict[str, Counter[str]] = {"exact": Counter(), "no postcode": Counter(),
                                         "typo": Counter()}
    t0 = time.perf_counter()
    for p in sample:
        town = " ".join(x for x in (p.postcode, p.city) if x)
        cases = {
            "exact": (f"{p.street} {p.housenumber}, {town}", ("exact",)),
            "no postcode": (f"{p.street} {p.housenumber}", ("exact",)),
            "typo": (f"{typo(p.street, rng)} {p.housenumber}, {town}", ("exact", "corrected")),
        }
        for name, (text, ok) in cases.items():
            result = index.geocode(text)
            statuses[name][result.status] += 1
            if result.status in ok and same(result.point, p):
                hits[name] += 1
    per_query_ms = (time.perf_counter() - t0) / (3 * len(sample)) * 1000
    print(f"{args.osm.name}: {len(index)} address points, read in {load_s:.1f} s; "
          f"{len(sample)} sampled (seed {args.seed}); {per_query_ms:.2f} ms per query")
    for name in statuses:
        print(f"  {name:12s} hit rate {hits[name] / len(sample):6.1%}   "
              + ", ".join(f"{k} {v}" for k, v in statuses[name].most_common()))


if __name__ == "__main__":
    main()
