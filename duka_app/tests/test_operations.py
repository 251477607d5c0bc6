import json
import logging
import runpy
import sys

from django.conf import settings

from duka_app.log_format import JsonFormatter


def test_json_log_lines_carry_time_level_logger_message_and_traceback():
    try:
        raise ValueError('bad "input"\nsecond line')
    except ValueError:
        record = logging.getLogger("store.jobs").makeRecord(
            "store.jobs", logging.ERROR, __file__, 1, "Failed for %s", ("order 7",), sys.exc_info()
        )

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "ERROR"
    assert entry["logger"] == "store.jobs"
    assert entry["message"] == "Failed for order 7"
    assert entry["time"].endswith("+00:00")
    assert 'ValueError: bad "input"\nsecond line' in entry["exception"]


def test_gunicorn_config_reads_port_and_concurrency_from_the_environment(monkeypatch):
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    assert config["bind"] == "0.0.0.0:9123"
    assert config["workers"] == 3
    assert config["accesslog"] == "-"
    assert config["wsgi_app"] == "duka_app.wsgi:application"


def test_gunicorn_config_defaults_to_two_workers_per_core_plus_one(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 4)

    config = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))

    assert config["workers"] == 9
