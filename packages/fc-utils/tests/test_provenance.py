"""Tests of fc_utils.provenance: the record every artifact carries."""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

from fc_utils.exceptions import ProvenanceError
from fc_utils.provenance import gather_provenance, hash_file

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=fc", "-c", "user.email=fc@example.org", *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "--quiet", "--initial-branch=develop")
    (path / "code.py").write_text("x = 1\n")
    _git(path, "add", "code.py")
    _git(path, "commit", "--quiet", "-m", "first")
    return path


def test_record_has_exactly_the_schema_shape(tmp_path: Path) -> None:
    record = gather_provenance(repo=tmp_path, command=["fc-datasets", "create", "recipe.yaml"])
    assert set(record) == {"created", "python", "platform", "packages", "git", "inputs", "command"}
    created = dt.datetime.fromisoformat(record["created"].replace("Z", "+00:00"))
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)
    assert record["python"] == platform.python_version()
    assert record["platform"] == platform.platform()
    assert record["inputs"] == {}
    assert record["command"] == ["fc-datasets", "create", "recipe.yaml"]


def test_default_packages_include_fc_and_installed_third_party() -> None:
    packages = gather_provenance()["packages"]
    assert "fc-utils" in packages
    assert "fc-config" in packages
    assert "numpy" in packages
    assert "pytest" not in packages
    assert all(isinstance(v, str) for v in packages.values())


def test_explicit_packages_are_normalised_and_absent_ones_left_out() -> None:
    packages = gather_provenance(packages=["NumPy", "not-a-real-package-xyz"])["packages"]
    assert list(packages) == ["numpy"]


def test_packages_are_read_from_metadata_without_importing(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def guarded(name: str, *args: object, **kwargs: object) -> object:
        if name.split(".")[0] in {"torch", "zarr", "xarray", "mlflow", "dask"}:
            raise AssertionError(f"provenance imported {name}")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", guarded)
    gather_provenance(packages=["torch", "zarr", "xarray", "mlflow", "dask"])


def test_inputs_are_hashed(tmp_path: Path) -> None:
    data = b"GRIB" + bytes(range(256)) * 9000  # more than one 1 MiB chunk
    first = tmp_path / "a.grib"
    first.write_bytes(data)
    record = gather_provenance(input_files=[first, str(first)], repo=tmp_path)
    expected = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    assert record["inputs"] == {str(first): expected}
    assert hash_file(first) == expected["sha256"]


def test_missing_input_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProvenanceError, match=r"input file '.*nope\.grib' does not exist"):
        gather_provenance(input_files=[tmp_path / "nope.grib"])
    with pytest.raises(ProvenanceError, match="is a directory"):
        hash_file(tmp_path)


@needs_git
def test_git_state_of_a_clean_repository(repo: Path) -> None:
    git = gather_provenance(repo=repo)["git"]
    head = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert git == {"repository": None, "commit": head, "branch": "develop", "dirty": False}


@needs_git
def test_git_state_is_dirty_after_a_change_but_not_for_untracked_files(repo: Path) -> None:
    (repo / "notes.txt").write_text("untracked\n")
    assert gather_provenance(repo=repo)["git"]["dirty"] is False
    (repo / "code.py").write_text("x = 2\n")
    assert gather_provenance(repo=repo)["git"]["dirty"] is True


@needs_git
def test_git_state_from_a_subdirectory_and_detached_head(repo: Path) -> None:
    sub = repo / "sub"
    sub.mkdir()
    _git(repo, "checkout", "--quiet", "--detach")
    git = gather_provenance(repo=sub)["git"]
    assert git is not None
    assert git["branch"] is None


@needs_git
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:s3cret@github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("https://ghp_token@github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("https://github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("ssh://git:pw@host:2222/repo.git", "ssh://host:2222/repo.git"),
    ],
)
def test_remote_url_never_carries_credentials(repo: Path, url: str, expected: str) -> None:
    _git(repo, "remote", "add", "origin", url)
    git = gather_provenance(repo=repo)["git"]
    assert git["repository"] == expected
    assert "s3cret" not in str(git) and "token" not in str(git)


def test_no_repository_gives_none(tmp_path: Path) -> None:
    assert gather_provenance(repo=tmp_path)["git"] is None
    assert gather_provenance(repo=tmp_path / "does-not-exist")["git"] is None


@needs_git
def test_repository_without_commits_gives_none(tmp_path: Path) -> None:
    _git(tmp_path, "init", "--quiet")
    assert gather_provenance(repo=tmp_path)["git"] is None


@needs_git
def test_missing_git_executable_gives_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))
    assert gather_provenance(repo=repo)["git"] is None
