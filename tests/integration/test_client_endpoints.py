"""TerminalClient against the simulator in every profile: every endpoint, on real sockets."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from client_support import (
    PROFILES,
    blank_640x480,
    client_for,
    fit_640x480,
    pass_door,
    sim_control,
)

from enroll_app.terminal.errors import (
    InvalidInput,
    InvalidParameter,
    KeyRejected,
    PersonNotFound,
    PhotoRejected,
    ProtocolError,
    TerminalFull,
)
from enroll_app.terminal.records import Person
from enroll_app.terminal.validation import card_from_hex

SimFactory = Any
pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("profile", PROFILES)
async def test_device_info_time_and_unit_detection(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        info = await c.get_device_info()
        assert info.sn == term.serial
        assert info.fail_msg  # tipsPairFail or appFailMsg, whichever the firmware sends
        assert await c.uses_milliseconds() == (profile == "acs-legacy-ms")
        await c.set_time(1_750_000_000.0)
        assert await c.get_time() == pytest.approx(1_750_000_000.0, abs=5)
        await c.set_time()
        assert await c.get_time() == pytest.approx(time.time(), abs=5)


@pytest.mark.parametrize("profile", PROFILES)
async def test_person_lifecycle(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    photo = fit_640x480()
    card = card_from_hex("7267e840")
    async with client_for(term) as c:
        await c.set_person(
            Person(
                "007",
                name="姚明 Yao",
                ic_no=card,
                id_no="990307189207026735",
                pass_count=5,
                start_ts=1_700_000_000,
                end_ts=1_900_000_000.5,
                photo=photo,
            )
        )
        got = await c.get_person("007")
        assert (got.id, got.name, got.ic_no, got.id_no) == (
            "007",
            "姚明 Yao",
            card,
            "990307189207026735",
        )
        assert (got.pass_count, got.start_ts, got.end_ts) == (5, 1_700_000_000, 1_900_000_000.5)
        assert got.photo is not None
        assert got.photo.startswith(b"\xff\xd8")

        # An update with only a name keeps what it does not mention (except the window).
        await c.set_person(Person("007", name="Yao Ming", pass_count=5))
        again = await c.get_person("007")
        assert (again.name, again.ic_no, again.start_ts, again.end_ts) == ("Yao Ming", card, -1, -1)

        (listed,) = await c.list_persons()
        assert (listed.id, listed.name, listed.window_reliable) == ("007", "Yao Ming", False)
        assert listed.photo is None

        await c.remove_persons(["007", "not-there"])
        with pytest.raises(PersonNotFound) as caught:
            await c.get_person("007")
        assert caught.value.status == 126
        assert await c.list_persons() == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_unlimited_window_round_trips(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_person(Person("1", name="A", photo=fit_640x480()))
        person = await c.get_person("1")
    assert (person.start_ts, person.end_ts, person.pass_count) == (-1, -1, 10000)


async def test_list_person_windows_are_mis_scaled_on_firmware(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    async with client_for(term) as c:
        await c.set_person(Person("1", start_ts=1_700_000_000, end_ts=-1, photo=fit_640x480()))
        (listed,) = await c.list_persons()
        exact = await c.get_person("1")
    assert not listed.window_reliable
    assert listed.start_ts != exact.start_ts == 1_700_000_000


@pytest.mark.parametrize("profile", PROFILES)
async def test_remove_all_is_explicit(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        for pid in ("1", "2", "3"):
            await c.set_person(Person(pid, photo=fit_640x480()))
        with pytest.raises(InvalidInput):
            await c.remove_persons([])
        assert len(await c.list_persons()) == 3
        await c.remove_all_persons()
        assert await c.list_persons() == []


@pytest.mark.parametrize("profile", PROFILES)
async def test_records_page_past_the_cap_and_remove(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_person(Person("p1", name="P", photo=fit_640x480()))
        start = await c.get_time()
        await pass_door(term, "p1", times=75)
        records = await c.list_records(since=start - 1)
        assert len(records) == 75
        assert all(r.person_id == "p1" for r in records)
        assert [r.ts for r in records] == sorted(r.ts for r in records)
        assert records[0].ts == pytest.approx(start, abs=5)  # seconds on every firmware
        assert len(await c.list_records(since=start - 1, count=60)) == 60
        later = await c.list_records(since=records[39].ts)
        assert later == [r for r in records if r.ts > records[39].ts]
        await c.remove_records(records[39].ts)
        left = await c.list_records()
        assert [r.ts for r in left] == [r.ts for r in records[40:]]


@pytest.mark.parametrize("profile", PROFILES)
async def test_callback_heartbeat_and_settings(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_record_callback("http://127.0.0.1:9/record")
        assert await c.get_record_callback() == "http://127.0.0.1:9/record"
        await c.set_heartbeat("http://127.0.0.1:9/heartbeat", 30)
        beat = await c.get_heartbeat()
        assert (beat.url, beat.period) == ("http://127.0.0.1:9/heartbeat", 30)
        await c.set_device_info({"deviceName": "Gate 3", "deviceSoundSize": "40"})
        info = await c.get_device_info()
        assert info.name == "Gate 3"
        assert info.settings["deviceSoundSize"] == 40
        with pytest.raises(InvalidInput):
            await c.set_heartbeat("http://127.0.0.1:9/heartbeat", 0)
        with pytest.raises(InvalidInput):
            await c.set_record_callback("not a url")


@pytest.mark.parametrize("profile", PROFILES)
async def test_check_and_photos(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    face = fit_640x480()
    async with client_for(term) as c:
        result = await c.check(face)
        assert (result.usable, result.is_exist) == (True, False)
        await c.set_person(Person("y", photo=face))
        assert (await c.check(face)).is_exist
        assert (await c.check(blank_640x480())).is_valid == 3
        with pytest.raises(InvalidInput):
            await c.check(fit_640x480(size=(800, 600)))
        photos = await c.take_photos(3, tips_before="Look up", tips_after="Thanks")
        assert len(photos) == 3
        assert all(p.startswith(b"\xff\xd8") for p in photos)


@pytest.mark.parametrize("profile", PROFILES)
async def test_concurrent_photo_calls_never_collide(sim_factory: SimFactory, profile: str) -> None:
    """Two clients of one terminal: the terminal would answer 123 to overlapping photo work."""
    term = await sim_factory(profile=profile)
    async with client_for(term) as a, client_for(term) as b:
        results = await asyncio.gather(
            a.take_photos(1), b.take_photos(2), a.check(fit_640x480()), b.take_photos(1)
        )
    assert [len(r) for r in results if isinstance(r, list)] == [1, 2, 1]


@pytest.mark.parametrize("profile", PROFILES)
async def test_terminal_refusals_are_typed(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile, capacity=1)
    async with client_for(term) as c, client_for(term, key="wrong") as bad:
        with pytest.raises(KeyRejected) as caught:
            await bad.get_time()
        assert caught.value.status == 103
        with pytest.raises(PhotoRejected) as photo_error:
            await c.set_person(Person("noface", photo=blank_640x480()))
        assert photo_error.value.status in (104, 106)
        await c.set_person(Person("1", photo=fit_640x480()))
        with pytest.raises(TerminalFull):
            await c.set_person(Person("2", photo=fit_640x480("gdp.jpg")))
        with pytest.raises(InvalidParameter) as missing:
            await c.call("setPerson", {"name": "no id"})
        assert missing.value.status == 101


async def test_card_in_hex_is_refused_by_the_firmware(sim_factory: SimFactory) -> None:
    term = await sim_factory(profile="acs-1.1.143")
    async with client_for(term) as c:
        with pytest.raises(InvalidInput):
            await c.set_person(Person("1", ic_no="7267e840"))
        with pytest.raises(InvalidParameter) as caught:
            await c.call("setPerson", {"id": "1", "IC_NO": "7267e840", "startTs": -1, "endTs": -1})
    assert caught.value.status == 129


@pytest.mark.parametrize("profile", ["acs-1.1.143", "acs-legacy-ms"])
async def test_firmware_drops_get_person_of_a_person_without_photo(
    sim_factory: SimFactory, profile: str
) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_person(Person("nophoto", name="N"))
        with pytest.raises(ProtocolError, match="without answering"):
            await c.get_person("nophoto")
        assert await c.get_time() > 0  # the terminal is fine


@pytest.mark.parametrize("profile", PROFILES)
async def test_reset_is_not_enabled_on_firmware(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        if profile == "spec":
            await c.reset()
        else:
            with pytest.raises(ProtocolError) as caught:
                await c.reset()
            assert "does not know" in caught.value.operator_text


@pytest.mark.parametrize("profile", PROFILES)
async def test_set_device_key(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c, client_for(term) as old:
        await c.set_device_key("n3w-k3y")
        assert c.key == "n3w-k3y"
        assert await c.get_time() > 0
        with pytest.raises(KeyRejected):
            await old.get_time()
        with pytest.raises(InvalidInput):
            await c.set_device_key("x" * 21)


@pytest.mark.parametrize("profile", PROFILES)
async def test_open_and_reboot_keep_everything(sim_factory: SimFactory, profile: str) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.set_person(Person("1", name="Kept", photo=fit_640x480()))
        await c.set_heartbeat("http://127.0.0.1:9/hb", 60)
        await c.open_door()
        await c.reboot()
        async with asyncio.timeout(20):
            await c.wait_online()
        assert (await c.get_person("1")).name == "Kept"
        assert (await c.get_heartbeat()).period == 60


async def test_data_survives_a_restart_of_the_terminal(
    sim_factory: SimFactory, tmp_path: Any
) -> None:
    data = tmp_path / "terminal"
    first = await sim_factory(profile="acs-1.1.143", data_dir=data)
    async with client_for(first) as c:
        await c.set_person(Person("1", name="Persisted", photo=fit_640x480()))
        await c.set_device_key("k2")
    await first.stop()
    second = await sim_factory(profile="acs-1.1.143", data_dir=data)
    async with client_for(second, key="k2") as c:
        assert (await c.get_person("1")).name == "Persisted"
    assert second.serial == first.serial


@pytest.mark.parametrize("profile", PROFILES)
async def test_open_and_update_apk_happen_exactly_once(
    sim_factory: SimFactory, profile: str
) -> None:
    term = await sim_factory(profile=profile)
    async with client_for(term) as c:
        await c.open_door()
        await c.update_apk("http://127.0.0.1:9/app-1.1.200.apk")
        with pytest.raises(InvalidInput):
            await c.update_apk("app.apk")
    state = await sim_control(term, "state")
    events = [e["event"] for e in state["data"]["events"]]
    assert events.count("open") == 1
    assert events.count("updateAPK") == 1
