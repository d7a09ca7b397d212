"""The vehicle form over HTTP (issue 14): a new vehicle with several layouts, and its
mistakes shown in Danish at the field. A server of its own (it adds a vehicle)."""

from __future__ import annotations

import re

import httpx
from webtest_support import Site, http_login
from webtest_support import csrf_of as _csrf


def test_a_new_vehicle_with_two_layouts(own_site: Site) -> None:
    site = own_site
    key = {"Authorization": f"Bearer {site.tokens['coordinator']}"}
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=60) as client:
        http_login(client, site, "coordinator")
        form = client.get("/web/koordinator/vogne/ny")
        assert form.status_code == 200 and 'id="indretninger"' in form.text
        data = {"csrf": _csrf(form.text), "vogn": "BUS9", "type": "minibus med lift",
                "pladser": ["8", "6", ""], "koerestole": ["2", "3", ""], "fra": "06:30",
                "til": "17:00", "dagspris": "1500", "kmpris": "12,5", "timepris": "300",
                "lat": "55.8275", "lon": "10.5880"}
        # A bad name and a layout with 30 wheelchair places: both at their field.
        r = client.post("/web/koordinator/vogne/ny",
                        data={**data, "vogn": "bus 9!", "koerestole": ["2", "30", ""]})
        assert r.status_code == 422
        assert re.search(r'id="f-vogn-fejl">Vognens navn må kun', r.text)
        assert re.search(r'id="f-indretning-1-fejl">Skriv siddepladser som helt tal', r.text)
        assert 'value="30"' in r.text  # what was typed is shown again
        assert httpx.get(f"{site.url}/api/v1/vehicles/BUS9", headers=key).status_code == 404
        r = client.post("/web/koordinator/vogne/ny", data=data)
        assert r.status_code == 303, r.text
    bus = httpx.get(f"{site.url}/api/v1/vehicles/BUS9", headers=key).json()
    assert (bus["seats"], bus["wheelchair_places"]) == (8, 2)
    assert bus["layouts"] == [{"seats": 8, "wheelchair_places": 2},
                              {"seats": 6, "wheelchair_places": 3}]
    assert (bus["available_from"], bus["cost_per_km_ore"]) == ("06:30", 1250)
