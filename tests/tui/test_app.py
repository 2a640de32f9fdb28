"""Pilot tests: the shell's main flows by keyboard alone."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from tui.app import ClaimDeskApp
from tui.bindings import COMMANDS, load_keymap
from tui.messages import Failed, Loaded

from .conftest import wait_until


async def test_home_shows_the_work_queues_from_the_store(demo_db):
    seen = []
    app = ClaimDeskApp(store_url=demo_db, user="tester")
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        table = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: table.row_count == 9)
        loaded = [m for m in seen if isinstance(m, Loaded) and m.what == "queues"]
        assert loaded, "the worker posts its result as a message"
        counts = {q.key: q.count for q in loaded[-1].value.queues}
        assert counts["to_code"] > 0 and counts["to_bill"] > 0 and counts["denied"] > 0
        assert str(table.get_row_at(0)[1]).strip() == f"{counts['to_code']:,}"
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        explain = str(app.screen.query_one("#explain").render())
        assert explain == loaded[-1].value.queues[2].meaning


async def test_f_keys_switch_stages_and_f1_shows_help(demo_db):
    app = ClaimDeskApp(store_url=demo_db, user="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        assert app.current_mode == "codes"
        await pilot.press("f3")
        assert app.current_mode == "patients"
        await pilot.press("f2")
        assert app.current_mode == "home"
        await pilot.press("f1")
        assert app.screen.query("HelpPanel")
        await pilot.press("f1")
        assert not app.screen.query("HelpPanel")


async def test_code_lookup_by_keyboard(demo_db):
    app = ClaimDeskApp(store_url=demo_db, user="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f9")
        await pilot.press(*"diabetes without complications")
        table = app.screen.query_one("#results", DataTable)
        await wait_until(pilot, lambda: table.row_count > 0)
        codes = [str(table.get_row_at(i)[0]) for i in range(min(5, table.row_count))]
        assert "E11.9" in codes
        await pilot.press("enter")
        assert app.focused is table
        await pilot.press("slash")
        assert isinstance(app.focused, Input)


async def test_a_broken_database_is_a_notification_not_a_crash(tmp_path):
    broken = tmp_path / "empty.db"  # no tables: every query fails
    seen = []
    app = ClaimDeskApp(store_url=str(broken), user="tester")
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await wait_until(pilot, lambda: any(isinstance(m, Failed) for m in seen))
        failed = next(m for m in seen if isinstance(m, Failed))
        assert "Traceback" not in failed.error
        assert app.screen.query_one(DataTable).row_count == 0
    assert app.return_code in (0, None)


def test_every_command_has_id_key_label_and_help():
    ids = [c.id for c in COMMANDS]
    assert len(ids) == len(set(ids))
    keys = [c.key for c in COMMANDS]
    assert len(keys) == len(set(keys))
    assert all(c.label and c.help and c.key for c in COMMANDS)
    bindings = ClaimDeskApp.BINDINGS
    assert all(b.id and b.tooltip for b in bindings)


def test_keymap_file(tmp_path):
    path = tmp_path / "keys.toml"
    assert load_keymap(path) == {}
    path.write_text('[keys]\n"mode.home" = "f12"\n')
    assert load_keymap(path) == {"mode.home": "f12"}
    path.write_text('[keys]\n"mode.nothing" = "f12"\n')
    import pytest

    with pytest.raises(ValueError, match="unknown binding"):
        load_keymap(path)
    path.write_text("[keys\n")
    with pytest.raises(ValueError, match="TOML"):
        load_keymap(path)


async def test_remapped_key_works(demo_db, tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\n"mode.codes" = "f12"\n')
    app = ClaimDeskApp(store_url=demo_db, user="tester", keymap_path=keys)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f12")
        assert app.current_mode == "codes"


def test_screen_bindings_can_be_remapped_too(tmp_path):
    path = tmp_path / "keys.toml"
    path.write_text('[keys]\n"patient.eligibility" = "f11"\n')
    assert load_keymap(path) == {"patient.eligibility": "f11"}
