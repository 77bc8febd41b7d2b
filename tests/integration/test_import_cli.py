"""`enroll-station import` as HR runs it: a real process, three simulated terminals, real photos."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from client_support import client_for

from enroll_app.simulator import SimulatedTerminal
from tests.services.import_photos import write_photo

SimFactory = Any
pytestmark = pytest.mark.asyncio


async def cli(*args: str) -> tuple[int, str, str]:
    """Run `python -m enroll_app import ARGS` while the simulators keep serving on this loop."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "enroll_app",
        "import",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=dict(os.environ),
    )
    async with asyncio.timeout(240):
        out, err = await proc.communicate()
    stderr = err.decode()
    assert "Traceback" not in stderr, stderr
    assert proc.returncode is not None
    return proc.returncode, out.decode(), stderr


def hr_workbook(path: Path) -> Path:
    """Chinese headers, ids typed as text with leading zeros, one written as a padded number."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "卡号", "有效期至", "类型"])
    sheet.append(["007", "姚明", "123456", "2030-12-31", "员工"])
    sheet.append([100, "球员", None, None, None])
    sheet["A3"].number_format = "0000"
    sheet.append(["0200", "合影", None, None, None])
    sheet.append(["0300", "模糊", None, None, None])
    sheet.append(["0400", "同脸", None, None, "访客"])
    book.save(path)
    return path


def hr_photos(folder: Path) -> Path:
    write_photo(folder, "007", "yao")
    write_photo(folder, "0100", "player")
    write_photo(folder, "0200", "gdp", suffix=".png")
    write_photo(folder, "0300", "yao_blurred")
    write_photo(folder, "0400", "yao_mirrored")
    return folder


async def held(term: SimulatedTerminal) -> dict[str, str]:
    async with client_for(term) as client:
        return {p.id: p.name for p in await client.list_persons()}


async def test_import_to_three_terminals_with_dry_run_report_and_reimport(
    sim_factory: SimFactory, tmp_path: Path
) -> None:
    terms = [await sim_factory(profile="spec") for _ in range(3)]
    hosts = [arg for t in terms for arg in ("--host", f"127.0.0.1:{t.port}")]
    sheet = hr_workbook(tmp_path / "入职.xlsx")
    photos = hr_photos(tmp_path / "photos")

    code, out, err = await cli(str(sheet), "--photos", str(photos), *hosts, "--dry-run", "--json")
    assert code == 1, err  # two rows cannot be imported
    plan = json.loads(out)
    assert plan["dry_run"] is True
    assert plan["plan"] == {"create": 3, "update": 0, "unchanged": 0, "error": 2}
    assert plan["mapping"] == {"id": "工号", "name": "姓名", "ic_no": "卡号", "end_ts": "有效期至",
                               "kind": "类型"}  # fmt: skip
    serials = sorted(t["serial"] for t in plan["terminals"])
    assert serials == sorted(t.serial for t in terms)
    rows = {r["id"]: r for r in plan["rows"]}
    assert rows["0100"]["action"] == "create"  # 100 formatted as 0000 is the id 0100
    assert rows["0100"]["terminals"] == dict.fromkeys(serials, "create")
    assert rows["0300"]["action"] == "error"
    assert "Blurred" in rows["0300"]["errors"][0]
    assert "same face as row 2" in rows["0400"]["errors"][0]
    for term in terms:
        assert await held(term) == {}  # the dry run wrote nothing anywhere

    report_csv = tmp_path / "report.csv"
    code, out, err = await cli(
        str(sheet), "--photos", str(photos), *hosts, "--json", "--report", str(report_csv)
    )
    assert code == 1, err
    result = json.loads(out)
    assert result["report"] == {"created": 3, "updated": 0, "unchanged": 0, "error": 2,
                                "cancelled": 0}  # fmt: skip
    rows = {r["id"]: r for r in result["rows"]}
    assert rows["007"]["delivered"] == dict.fromkeys(serials, "synced")
    assert all(v == {"persons": 3, "missing": []} for v in result["read_back"].values())
    for term in terms:  # read back with a plain client
        assert await held(term) == {"007": "姚明", "0100": "球员", "0200": "合影"}
    async with client_for(terms[0]) as client:
        yao = await client.get_person("007")
    assert (yao.ic_no, yao.photo is not None) == ("123456", True)

    # HR drops the two refused rows from the report and imports it again: nothing to do.
    lines = report_csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "工号,姓名,卡号,有效期至,类型,import status,import error"
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("\n".join(line for line in lines if ",error," not in line) + "\n", "utf-8-sig")
    code, out, err = await cli(str(fixed), "--photos", str(photos), *hosts, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["plan"] == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert again["ok"] is True

    # 007 leaves: offboarding by list removes them everywhere, after asking (1 of 3 > 20 %).
    leavers = tmp_path / "离职.csv"
    leavers.write_text("工号,姓名\n007,姚明\n9999,Nobody\n", "utf-8")
    code, out, err = await cli(str(leavers), "--offboard", "--json")
    assert code == 1, err
    refused = json.loads(out)
    assert "--confirm-mass-removal" in refused["refused"]
    assert refused["removals"] == {"007": serials}
    assert refused["unknown"] == ["9999"]
    for term in terms:
        assert "007" in await held(term)  # nothing changed
    leavers.write_text("工号\n007\n", "utf-8")
    code, out, err = await cli(str(leavers), "--offboard", "--confirm-mass-removal", "--json")
    assert code == 0, err
    done = json.loads(out)
    assert done["still_held"] == {serial: [] for serial in serials}
    for term in terms:
        assert await held(term) == {"0100": "球员", "0200": "合影"}


async def test_an_unreachable_terminal_is_a_usage_error(tmp_path: Path) -> None:
    sheet = tmp_path / "s.csv"
    sheet.write_text("id,name\n1,A\n", "utf-8")
    code, _out, err = await cli(str(sheet), "--host", "127.0.0.1:9", "--dry-run")
    assert code == 2
    assert "terminal 127.0.0.1:9" in err
