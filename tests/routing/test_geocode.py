"""The offline geocoder on the Samsø address points, the scenario's ``address`` column and the
door-to-stop distance."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from routing.errors import ScenarioErrors
from routing.network.geocode import (
    AddressIndex,
    AddressPoint,
    address_index,
    door_distances,
    parse_address,
)
from routing.paths import BUNDLED_NETWORK
from routing.scenario.reader import load_scenario

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"


@pytest.fixture(scope="module")
def samso() -> AddressIndex:
    return address_index(BUNDLED_NETWORK)


def test_the_network_file_has_the_samso_addresses(samso: AddressIndex) -> None:
    assert len(samso) == 4596
    assert {p.postcode for p in samso.points} >= {"8305"}


@pytest.mark.parametrize("text", ["Langgade 12, 8305 Samsø", "langgade 12", "LANGGADE 12 8305",
                                  "Langgade 12, st. tv, 8305 Samsø", "Langgade  12 ,Samsø"])
def test_exact_address(samso: AddressIndex, text: str) -> None:
    result = samso.geocode(text)
    assert result.status == "exact", result.message
    assert result.point is not None
    assert (result.point.street, result.point.housenumber) == ("Langgade", "12")
    assert result.point.label.endswith("8305 Samsø")
    assert 55.7 < result.point.lat < 56.0 and 10.5 < result.point.lon < 10.7


@pytest.mark.parametrize(("typed", "street"), [("Langade 12", "Langgade"),
                                               ("Lang gade 12", "Langgade"),
                                               ("Storgade 3", "Storegade"),
                                               ("Smedgade 37, 8305 Samsø", "Smedegade")])
def test_a_typo_is_corrected_as_a_suggestion_to_confirm(samso: AddressIndex, typed: str,
                                                        street: str) -> None:
    result = samso.geocode(typed)
    assert result.status == "corrected"
    assert result.point is not None and result.point.street == street
    assert result.message.startswith("did you mean")


def test_missing_house_number_lists_the_streets_numbers(samso: AddressIndex) -> None:
    result = samso.geocode("Smedegade, 8305 Samsø")
    assert result.status == "missing_housenumber" and result.point is None
    assert "house number is missing" in result.message
    numbers = [s.address.housenumber for s in result.suggestions]
    assert numbers and all(s.address.street == "Smedegade" for s in result.suggestions)
    assert numbers == sorted(numbers, key=lambda n: int("".join(c for c in n if c.isdigit())))


def test_unknown_house_number_suggests_the_nearest_numbers(samso: AddressIndex) -> None:
    result = samso.geocode("Smedegade 999")
    assert result.status == "unknown_housenumber" and result.point is None
    assert result.suggestions and result.suggestions[0].address.street == "Smedegade"


def test_unknown_street(samso: AddressIndex) -> None:
    result = samso.geocode("Rådhuspladsen 1, 1550 København V")
    assert result.status == "unknown_street" and result.point is None
    assert "no street called 'Rådhuspladsen'" in result.message


def test_empty_and_no_addresses() -> None:
    empty = AddressIndex([])
    result = empty.geocode("Langgade 12")
    assert result.status == "no_addresses"
    assert "pin" in result.message
    one = AddressIndex([AddressPoint("Vej", "1", "8305", "Samsø", 55.8, 10.6)])
    assert one.geocode("  ").status == "empty"


def test_parse_address() -> None:
    parsed = parse_address("Nordby Hovedgade 3 b, 1. th, 8305 Samsø")
    assert (parsed.street, parsed.housenumber, parsed.postcode, parsed.city) == (
        "Nordby Hovedgade", "3B", "8305", "Samsø")
    assert parse_address("Vej 1001").housenumber == "1001"  # not taken for a postcode


def test_suggest_ranks_the_best_first(samso: AddressIndex) -> None:
    found = samso.suggest("Smedegade 37")
    assert found[0].address.label == "Smedegade 37, Tranebjerg, 8305 Samsø"


# --------------------------------------------------------------------------------------------
# The scenario's address column


def _demo_with_addresses(tmp_path: Path, rows: int = 12) -> Path:
    """The demo scenario, riders.csv without lat/lon (addresses only), first ``rows`` riders."""
    target = tmp_path / "sc"
    shutil.copytree(DEMO, target)
    with (DEMO / "riders.csv").open(encoding="utf-8") as f:
        records = list(csv.DictReader(f))[:rows]
    columns = [c for c in records[0] if c not in ("lat", "lon")]
    with (target / "riders.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    return target


def test_riders_csv_with_addresses_instead_of_coordinates(tmp_path: Path) -> None:
    original = {r.rider_id: r for r in load_scenario(DEMO).riders}
    scenario = load_scenario(_demo_with_addresses(tmp_path))
    assert len(scenario.riders) == 12
    for rider in scenario.riders:
        # The demo homes are OSM address points: the geocoder finds the same point.
        assert rider.lat == pytest.approx(original[rider.rider_id].lat, abs=1e-5)
        assert rider.lon == pytest.approx(original[rider.rider_id].lon, abs=1e-5)


def test_an_address_not_found_is_an_error_with_row_and_column(tmp_path: Path) -> None:
    directory = _demo_with_addresses(tmp_path, rows=3)
    text = (directory / "riders.csv").read_text(encoding="utf-8")
    first = load_scenario(DEMO).riders[1].address.split(",")[0]
    (directory / "riders.csv").write_text(text.replace(first, "Ukendtvej 7"),
                                          encoding="utf-8")
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(directory)
    errors = caught.value.errors
    assert len(errors) == 1
    assert (errors[0].file, errors[0].row, errors[0].column) == ("riders.csv", 3, "address")
    assert "Ukendtvej 7" in str(errors[0])


def test_door_distances_and_the_verify_warning(samso_network: object) -> None:
    from routing.model import Rider

    riders = [Rider("near", "N", 55.8305, 10.5910, "C1", ("s",), address="Vej 1"),
              Rider("far", "F", 55.8450, 10.5400, "C1", ("s",), wheelchair=True)]
    found = {d.rider_id: d for d in door_distances(samso_network, riders)}  # type: ignore[arg-type]
    assert found["near"].limit_m == 100 and found["far"].limit_m == 30
    assert found["far"].distance_m > found["near"].distance_m
    assert found["far"].too_far
