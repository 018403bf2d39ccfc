"""The page's clock (studypage.clock): the real time unless STUDYFLOW_STUDY_CLOCK_FILE moves it, read at every tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.errors import SettingError
from study.schedule import utc_now
from studypage.clock import CLOCK_FILE_SETTING, page_clock


def test_unset_is_the_real_time(monkeypatch):
    monkeypatch.delenv(CLOCK_FILE_SETTING, raising=False)
    assert page_clock() is utc_now


def test_the_file_moves_a_running_clock_at_every_tick(monkeypatch, tmp_path):
    file = tmp_path / "shift"
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(file))
    clock = page_clock()
    before = datetime.now(UTC)
    assert before <= clock() <= datetime.now(UTC)  # no file yet: no shift
    file.write_text("120\n", encoding="utf-8")
    shifted = clock() - datetime.now(UTC)
    assert timedelta(seconds=119) < shifted <= timedelta(seconds=120), shifted
    file.write_text("", encoding="utf-8")
    assert clock() <= datetime.now(UTC)


@pytest.mark.parametrize("content", ["two minutes", "nan", "inf"])
def test_a_file_without_a_number_of_seconds_is_one_line_saying_what_to_do(monkeypatch, tmp_path, content):
    file = tmp_path / "shift"
    file.write_text(content, encoding="utf-8")
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(file))
    with pytest.raises(SettingError, match=f"must hold a number of seconds, not '{content}'; fix the file or unset"):
        page_clock()()
