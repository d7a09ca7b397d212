"""A tiny scenario on Samsø (two centres, four riders, two vehicles) for fast API tests."""

from __future__ import annotations

from routing.model import Centre, Direction, Plan, Rider, Run, Scenario, Session, Stop, Vehicle
from routing.params import PlanParams
from routing.scenario.reader import default_network_path

H = 3600


def tiny_scenario() -> Scenario:
    """Two centres in Tranebjerg, riders in and around it, a minibus and a wheelchair taxi."""
    centres = (
        Centre("C1", "Aktivitetscentret Tranebjerg", 55.8290, 10.5960, "Centervej 1"),
        Centre("C2", "Værestedet Ballen", 55.8185, 10.6380, "Strandvejen 2"),
    )
    sessions = (
        Session("C1", "C1-mon", "mon", 9 * H, 12 * H),
        Session("C1", "C1-wed", "wed", 9 * H, 12 * H),
        Session("C2", "C2-tue", "tue", 10 * H, 14 * H),
    )
    riders = (
        Rider("R1", "Anna Jensen", 55.8305, 10.5910, "C1", ("C1-mon", "C1-wed"),
              address="Vej 1", notes="Ring på"),
        Rider("R2", "Bent Hansen", 55.8320, 10.5935, "C1", ("C1-mon",), wheelchair=True,
              address="Vej 2"),
        Rider("R3", "Carla Nielsen", 55.8400, 10.6050, "C1", ("C1-wed",), escort=True,
              address="Vej 3"),
        Rider("R4", "Dorte Madsen", 55.8250, 10.6200, "C2", ("C2-tue",), address="Vej 4"),
    )
    vehicles = (
        Vehicle("V1", 55.8275, 10.5880, 8, 1, 150000, 1200, 30000, 6 * H, 18 * H,
                kind="minibus med lift"),
        Vehicle("V2", 55.8275, 10.5880, 3, 1, 80000, 1000, 25000, 6 * H, 18 * H,
                kind="kørestolstaxa"),
    )
    return Scenario(name="tiny", centres=centres, sessions=sessions, riders=riders,
                    vehicles=vehicles, network_path=str(default_network_path()),
                    plan_params=PlanParams())


def tiny_plan(scenario: Scenario, network: object) -> Plan:
    """A hand-made weekly plan of :func:`tiny_scenario` with legs from the road network.

    Monday: V1 carries R1, V2 carries R2 (wheelchair) to C1 and home. Tuesday: V2 carries R4 to C2
    and home. Wednesday: V1 carries R1 and R3 to C1 and home. Times follow the stops' legs; the
    plan is for tests of daily operations, not a solver result.
    """
    from routing.planning.planner import place_matrix

    matrix = place_matrix(scenario, network, scenario.plan_params)  # type: ignore[arg-type]
    riders = {r.rider_id: r for r in scenario.riders}
    coords = {f"home:{r.rider_id}": (r.lat, r.lon) for r in scenario.riders}
    coords |= {f"centre:{c.centre_id}": (c.lat, c.lon) for c in scenario.centres}
    coords |= {f"depot:{v.vehicle_id}": (v.depot_lat, v.depot_lon) for v in scenario.vehicles}

    def board(rider_ids: tuple[str, ...]) -> int:
        return sum(300 if riders[r].wheelchair else 120 for r in rider_ids)

    def leg(a: str, b: str) -> tuple[int, int]:
        i, j = matrix.index(a), matrix.index(b)
        return int(matrix.time_s[i, j]), int(matrix.distance_m[i, j])

    def run(run_id: str, weekday: str, direction: Direction, vehicle: str, centre: str,
            session: str, riders_in: tuple[str, ...], centre_time_s: int) -> Run:
        homes = [f"home:{r}" for r in riders_in]
        if direction == "to_centre":
            visits = [("depot", f"depot:{vehicle}", ())] + \
                [("pickup", h, (r,)) for h, r in zip(homes, riders_in, strict=True)] + \
                [("dropoff", f"centre:{centre}", riders_in), ("depot", f"depot:{vehicle}", ())]
        else:
            visits = [("depot", f"depot:{vehicle}", ()), ("pickup", f"centre:{centre}", riders_in)]
            visits += [("dropoff", h, (r,)) for h, r in zip(homes, riders_in, strict=True)]
            visits += [("depot", f"depot:{vehicle}", ())]
        # Forward pass from a provisional start, then shift so the centre time fits.
        def schedule(t0: int) -> list[Stop]:
            stops: list[Stop] = []
            t = t0
            seats = chairs = 0
            for k, (kind, place, ids) in enumerate(visits):
                arrival = t
                agreed = None
                sign = {"pickup": 1, "dropoff": -1}.get(kind, 0)
                seats += sign * sum(riders[r].seats for r in ids)
                chairs += sign * sum(riders[r].wheelchair_places for r in ids)
                if kind == "pickup":
                    # Boarding on arrival, within the pickup interval: nobody waits on board.
                    agreed = arrival // 300 * 300
                    departure = arrival + board(ids)
                elif kind == "dropoff":
                    departure = arrival + board(ids)
                else:
                    departure = arrival
                if k + 1 < len(visits):
                    travel, dist = leg(place, visits[k + 1][1])
                else:
                    travel, dist = 0, 0
                lat, lon = coords[place]
                stops.append(Stop(kind, ids, lat, lon, arrival, departure, seats, chairs,
                                  dist, travel, place, agreed))
                t = departure + travel
            return stops

        stops = schedule(6 * H)
        at_centre = next(s for s in stops if s.place.startswith("centre:"))
        target = centre_time_s - 600 if direction == "to_centre" else centre_time_s + 300
        offset = target - (at_centre.arrival_s if direction == "to_centre"
                           else at_centre.agreed_s or at_centre.arrival_s)
        stops = schedule(6 * H + (offset // 300) * 300)
        return Run(run_id, weekday, centre, session, direction, vehicle, tuple(stops),
                   (centre,), (session,))

    runs = (
        run("mon-to-V1", "mon", "to_centre", "V1", "C1", "C1-mon", ("R1",), 9 * H),
        run("mon-to-V2", "mon", "to_centre", "V2", "C1", "C1-mon", ("R2",), 9 * H),
        run("mon-from-V1", "mon", "from_centre", "V1", "C1", "C1-mon", ("R1",), 12 * H),
        run("mon-from-V2", "mon", "from_centre", "V2", "C1", "C1-mon", ("R2",), 12 * H),
        run("tue-to-V2", "tue", "to_centre", "V2", "C2", "C2-tue", ("R4",), 10 * H),
        run("tue-from-V2", "tue", "from_centre", "V2", "C2", "C2-tue", ("R4",), 14 * H),
        run("wed-to-V1", "wed", "to_centre", "V1", "C1", "C1-wed", ("R1", "R3"), 9 * H),
        run("wed-from-V1", "wed", "from_centre", "V1", "C1", "C1-wed", ("R1", "R3"), 12 * H),
    )
    return Plan(runs=runs, unserved=(), kpis={}, stats={}, scenario=scenario.name,
                params=PlanParams(time_limit_s=1.0))
