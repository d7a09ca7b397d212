"""A scenario with [rules] and closures.csv: imported through the API, in force, exported back."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from apitest_data import tiny_scenario
from fastapi.testclient import TestClient

from routing.scenario.reader import load_scenario, write_scenario

FILES = ("centres.csv", "sessions.csv", "riders.csv", "vehicles.csv", "scenario.toml",
         "closures.csv")


def test_rules_and_closures_travel_with_the_scenario(client: TestClient,
                                                     coordinator: dict[str, str],
                                                     tmp_path: Path) -> None:
    write_scenario(tiny_scenario(), tmp_path)
    with (tmp_path / "scenario.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[rules]\npreset = "soenderborg"\n')
    (tmp_path / "closures.csv").write_text(
        "centre_id,start,end,reason\nC1,W42,W42,Efterårsferie\n*,2026-04-10,,Personaledag\n",
        "utf-8")
    r = client.post("/api/v1/scenario/import?mode=merge", headers=coordinator,
                    files=[("files", (n, (tmp_path / n).read_bytes(), "text/plain"))
                           for n in FILES])
    assert r.status_code == 200, r.text
    rules = client.get("/api/v1/rules", headers=coordinator).json()["rules"]
    assert rules["municipality"] == "Sønderborg Kommune"
    assert "grundlovsdag" not in rules["closing_days"]
    days = client.get("/api/v1/centres/C1/open-days?from=2026-06-05&to=2026-06-05",
                      headers=coordinator).json()
    assert days[0]["open"] is True  # Grundlovsdag: Sønderborg keeps the centre open
    for first, last in (("2026-10-12", "2026-10-16"), ("2027-10-18", "2027-10-22")):
        days = client.get(f"/api/v1/centres/C1/open-days?from={first}&to={last}",
                          headers=coordinator).json()
        assert not any(d["open"] for d in days)
    c2 = client.get("/api/v1/centres/C2/open-days?from=2026-04-10&to=2026-04-10",
                    headers=coordinator).json()
    assert c2[0]["open"] is False  # '*' closes every centre
    export = client.get("/api/v1/scenario/export", headers=coordinator)
    out = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(export.content)).extractall(out)
    back = load_scenario(out)
    assert back.rules is not None and list(back.rules.closing_days) == rules["closing_days"]
    assert {(c.centre_id, str(c.start)) for c in back.closures} >= {("C1", "W42")}
