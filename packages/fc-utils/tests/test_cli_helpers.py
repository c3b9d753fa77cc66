"""Shared CLI behaviour: exit codes, one-paragraph errors, --debug tracebacks, logging, progress."""

from __future__ import annotations

import argparse
import logging

import pytest

from fc_config.exceptions import ConfigError, FcError
from fc_utils.cli_helpers import (
    ExitCode,
    add_command,
    configure_logging,
    format_error,
    make_parser,
    run,
)
from fc_utils.progress import ProgressBar, progress, progress_enabled, set_progress_enabled


def _parser(func: object) -> argparse.ArgumentParser:
    parser = make_parser("fc-test", "A test tool.", version="1.2.3")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    cmd = add_command(commands, "go", func, help="do it")  # type: ignore[arg-type]
    cmd.add_argument("--value", default="x")
    return parser


def test_success_returns_the_commands_status() -> None:
    assert run(_parser(lambda args: None), ["go"]) == 0
    assert run(_parser(lambda args: 7), ["go"]) == 7


def test_fc_error_is_one_paragraph_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: argparse.Namespace) -> None:
        raise ConfigError(
            "model.num_layers: 'four' is not an integer.", hint="Write a whole number."
        )

    assert run(_parser(fail), ["go"]) == ExitCode.INVALID_INPUT
    err = capsys.readouterr().err
    assert err.startswith(
        "fc-test: error: model.num_layers: 'four' is not an integer. Write a whole number."
    )
    assert "Traceback" not in err


def test_debug_shows_the_traceback_before_or_after_the_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fail(args: argparse.Namespace) -> None:
        raise FcError("broken")

    for argv in (["--debug", "go"], ["go", "--debug"]):
        assert run(_parser(fail), argv) == ExitCode.FAILURE
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert "fc-test: error: broken" in err


def test_unexpected_exception_is_reported_as_a_bug(capsys: pytest.CaptureFixture[str]) -> None:
    def fail(args: argparse.Namespace) -> None:
        raise ZeroDivisionError("division by zero")

    assert run(_parser(fail), ["go"]) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: division by zero" in err
    assert "--debug" in err and "Traceback" not in err


def test_missing_file_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    def fail(args: argparse.Namespace) -> None:
        open("/nonexistent/recipe.yaml")  # noqa: SIM115

    assert run(_parser(fail), ["go"]) == ExitCode.FAILURE
    err = capsys.readouterr().err
    assert "No such file or directory: /nonexistent/recipe.yaml" in err
    assert "bug" not in err


def test_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    def stop(args: argparse.Namespace) -> None:
        raise KeyboardInterrupt

    assert run(_parser(stop), ["go"]) == ExitCode.INTERRUPTED
    assert "interrupted" in capsys.readouterr().err


def test_usage_errors_exit_2_and_suggest(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(_parser(lambda args: None), ["goo"]) == ExitCode.USAGE
    assert "Did you mean 'go'?" in capsys.readouterr().err
    assert run(_parser(lambda args: None), ["go", "--nope"]) == ExitCode.USAGE


def test_version_and_help_return_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(_parser(lambda args: None), ["--version"]) == 0
    assert "fc-test 1.2.3" in capsys.readouterr().out
    assert run(_parser(lambda args: None), ["go", "--help"]) == 0
    assert "--quiet" in capsys.readouterr().out


def test_multiline_errors_keep_their_lines() -> None:
    text = format_error(
        ConfigError("2 problems in recipe.yaml:\n- dates.start: bad\n- input: missing"), "fc-x"
    )
    assert text.splitlines() == [
        "fc-x: error: 2 problems in recipe.yaml:",
        "  - dates.start: bad",
        "  - input: missing",
    ]


def test_wrapping_never_breaks_a_hyphenated_word_or_a_long_path() -> None:
    path = "/data/" + "very-long-folder-name/" * 6 + "graph.fcg"
    message = "plotting needs matplotlib; install it with pip install fc-graphs[plots] " * 3
    text = format_error(ConfigError(f"{message}then open {path}"), "fc-x")
    assert text.count("fc-graphs[plots]") == 3
    assert path in text.replace("\n  ", " ").split()


@pytest.mark.parametrize(
    ("verbose", "quiet", "debug", "fc_level", "root_level"),
    [
        (0, False, False, logging.INFO, logging.WARNING),
        (1, False, False, logging.DEBUG, logging.WARNING),
        (2, False, False, logging.DEBUG, logging.DEBUG),
        (0, True, False, logging.WARNING, logging.WARNING),
        (0, False, True, logging.DEBUG, logging.DEBUG),
    ],
)
def test_logging_levels(
    verbose: int, quiet: bool, debug: bool, fc_level: int, root_level: int
) -> None:
    configure_logging(verbose, quiet, debug)
    assert logging.getLogger("fc_datasets").level == fc_level
    assert logging.getLogger().level == root_level
    set_progress_enabled(None)


def test_quiet_turns_progress_off() -> None:
    configure_logging(0, quiet=True)
    try:
        assert not progress_enabled()
    finally:
        set_progress_enabled(None)


def test_progress_yields_every_item_with_and_without_a_bar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for enabled in (False, True):
        set_progress_enabled(enabled)
        try:
            assert list(progress(range(5), desc="dates")) == [0, 1, 2, 3, 4]
            with ProgressBar(total=3, desc="parts") as bar:
                for _ in range(3):
                    bar.update()
        finally:
            set_progress_enabled(None)
    err = capsys.readouterr().err
    assert "dates" in err  # drawn only in the enabled round


def test_progress_env_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    set_progress_enabled(None)
    monkeypatch.setenv("FC_PROGRESS", "0")
    assert not progress_enabled()
    monkeypatch.setenv("FC_PROGRESS", "1")
    assert progress_enabled()
