"""One configuration: the `opsbook` options of mkdocs.yml mean the same in every command
and in `mkdocs build`, with the command line's `--today` and `--strict` on top."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ENV, free_port, mkdocs, opsbook, starter, wait_for

pytestmark = pytest.mark.slow

RULES = Path(__file__).parent / "rules" / "plain.yaml"


def _expiring_flag(root: Path, expires: datetime.date) -> None:
    """A release flag of the starter's service that expires on `expires`."""
    (root / "ops/expiring.yaml").write_text(
        "apiVersion: opsbook/v1\nservice: shop\nflags:\n"
        "  - id: shop.expiring\n    key: SHOP_EXPIRING\n    type: boolean\n"
        "    purpose: release\n    default: false\n"
        "    description: Turns the new basket on.\n"
        f'    expires: "{expires.isoformat()}"\n',
        "utf-8",
    )


def _set_option(root: Path, line: str) -> None:
    """Add `line` to the opsbook plugin's options in the starter's mkdocs.yml."""
    config = root / "mkdocs.yml"
    text = config.read_text("utf-8")
    marker = "  - opsbook:\n"
    assert marker in text
    config.write_text(text.replace(marker, f"{marker}      {line}\n", 1), "utf-8")


def test_today_in_mkdocs_yml_is_honoured_by_validate_generate_and_build(tmp_path: Path) -> None:
    """A flag that expired before the real date but not before the `today` of mkdocs.yml
    is not reported by validate, and its page does not say it expired, in every command;
    `--today` on the command line still wins."""
    real = datetime.date.today()
    root = starter(tmp_path / "handbook")
    _expiring_flag(root, real - datetime.timedelta(days=30))
    checked = opsbook(root, "validate")
    assert "[flag-expired]" in checked.stdout, checked.stdout + checked.stderr
    _set_option(root, f'today: "{(real - datetime.timedelta(days=60)).isoformat()}"')
    checked = opsbook(root, "validate")
    assert checked.returncode == 0 and "[flag-expired]" not in checked.stdout, checked.stdout
    assert "[flag-expired]" in opsbook(root, "validate", "--today", real.isoformat()).stdout
    assert opsbook(root, "generate").returncode == 0
    flags = (root / "runbooks/flags.md").read_text("utf-8")
    assert "shop\\.expiring" in flags and "expires " in flags and "Expired on" not in flags
    built = opsbook(root, "build")
    assert built.returncode == 0, built.stderr
    assert "Expired on" not in (root / "site/runbooks/flags/index.html").read_text("utf-8")
    assert mkdocs(root, "build", "--site-dir", "site-mkdocs").returncode == 0
    html = (root / "site-mkdocs/runbooks/flags/index.html").read_text("utf-8")
    assert "shop.expiring" in html and "Expired on" not in html


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("2026-01-01", 'got the date 2026-01-01 (quote it: "2026-01-01")'),
        ('"soon"', "opsbook `today` 'soon' is not a date YYYY-MM-DD"),
    ],
)
def test_a_today_that_is_not_a_date_is_a_usage_error(tmp_path: Path, value: str, said: str) -> None:
    root = starter(tmp_path / "handbook")
    _set_option(root, f"today: {value}")
    checked = opsbook(root, "validate")
    assert checked.returncode == 2 and said in checked.stderr, checked.stderr
    assert "Traceback" not in checked.stderr


def test_after_an_import_with_placeholders_build_serve_and_mkdocs_build_agree(
    tmp_path: Path,
) -> None:
    """An import leaves warnings (placeholders to fill in): `opsbook build`, `mkdocs build`
    (strict: true in the starter) and `opsbook serve` all build the handbook; with the
    plugin option `strict: true`, validate, build and mkdocs build all refuse it."""
    root = starter(tmp_path / "handbook")
    assert opsbook(root, "import", "prometheus", str(RULES)).returncode == 1  # rules left out
    checked = opsbook(root, "validate")
    assert checked.returncode == 0 and "warning [" in checked.stdout, checked.stdout
    built = opsbook(root, "build")
    assert built.returncode == 0, built.stdout + built.stderr
    made = mkdocs(root, "build", "--site-dir", "site-mkdocs")
    assert made.returncode == 0, made.stderr[-2000:]
    assert "Aborted" not in made.stderr and "placeholder" in made.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "opsbook", "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=root,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/runbooks/", "Runbooks")
    finally:
        process.terminate()
        process.wait(timeout=20)

    _set_option(root, "strict: true")
    assert opsbook(root, "validate").returncode == 1
    refused = opsbook(root, "build")
    assert refused.returncode == 1 and "error [" in refused.stdout, refused.stdout
    made = mkdocs(root, "build", "--site-dir", "site-mkdocs")
    assert made.returncode == 1 and "error(s) in the definitions" in made.stderr, made.stderr
