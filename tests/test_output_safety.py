"""What warlog writes for others to open: map links, CSV cells, terminal text, files named with -o."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from clirun import cli, ok
from warlog.cells import neutralised
from warlog.cli.terminal import shown
from warlog.links import check_url

REPORT = (
    '{{"type": "report", "id": "{id}", "source": "Wire", "published": "2024-12-07", '
    '"url": {url}, "claims": [{{"place": "Homs", "actor": "rebels", '
    '"status": "controlled", "quote": {quote}}}]}}\n'
)


def file_report(
    db: str,
    tmp_path: Path,
    *,
    url: str = '"https://example.org/1"',
    quote: str = '"they came"',
    report: str = "r1",
) -> int:
    records = tmp_path / f"{report}.jsonl"
    records.write_text(REPORT.format(id=report, url=url, quote=quote))
    return cli(db, "import", str(records), archivist="ana").exit_code


# Links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["https://example.org/a?b=c#d", "http://192.0.2.1:8080/x", "https://例え.jp/記事"]
)
def test_http_and_https_urls_are_links(url: str) -> None:
    assert check_url(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "//evil.example/x",
        "/relative",
        "example.org",
        "https://",
        "https://a b.example",
        "java\tscript:alert(1)",
        'https://example.org/"onmouseover="x',
        "https://h:99999/",
    ],
)
def test_other_urls_are_not(url: str) -> None:
    assert check_url(url)


def test_the_map_never_links_a_javascript_url(db: str, tmp_path: Path) -> None:
    ok(db, "init", archivist="ana")
    if file_report(db, tmp_path, url='"javascript:alert(document.cookie)"') != 0:
        return  # refused on import, which is safer still
    page = tmp_path / "map.html"
    ok(db, "map", "--at", "2024-12-07", "-o", str(page))
    html = page.read_text()
    assert 'href="javascript:' not in html.lower()
    assert "javascript:alert(document.cookie)" in html  # shown as text


def test_the_map_links_an_https_url(db: str, tmp_path: Path) -> None:
    ok(db, "init", archivist="ana")
    assert file_report(db, tmp_path) == 0
    page = tmp_path / "map.html"
    ok(db, "map", "--at", "2024-12-07", "-o", str(page))
    assert 'href="https://example.org/1"' in page.read_text()


# CSV -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=x", "\r=x", "-", "=", "- rebels"]
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(cell: str) -> None:
    assert neutralised(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-3.5", "+12", "-1e-5", "2024-12-07", "rebels", "", -3.5, 7, None])
def test_numbers_and_plain_text_are_left_alone(cell: object) -> None:
    assert neutralised(cell) == cell


def claims_csv(db: str, *options: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(db, "export", "claims", *options).stdout)))


def test_exported_csv_neutralises_formulas_unless_raw(db: str, tmp_path: Path) -> None:
    ok(db, "init", archivist="ana")
    assert file_report(db, tmp_path, quote='"=HYPERLINK(\\"http://evil\\", \\"x\\")"') == 0
    (row,) = [r for r in claims_csv(db, "--include-sensitive") if r["report"] == "r1"]
    assert row["quote"].startswith("'=HYPERLINK(")
    (raw,) = [r for r in claims_csv(db, "--raw-csv", "--include-sensitive") if r["report"] == "r1"]
    assert raw["quote"].startswith("=HYPERLINK(")
    acled = ok(db, "export", "claims", "--format", "acled", "--include-sensitive").stdout
    assert ",=HYPERLINK" not in acled and '"=HYPERLINK' not in acled


# The terminal --------------------------------------------------------------------


def test_control_characters_are_escaped() -> None:
    assert shown("Homs\x1b]8;;https://evil\x07x\x9b") == "Homs\\x1b]8;;https://evil\\x07x\\x9b"
    assert shown("two\nlines", newlines=True) == "two\nlines"
    assert shown("\u202eevil") == "\\u202eevil"


def test_an_escape_in_an_error_message_is_not_printed_raw(db: str) -> None:
    ok(db, "init", archivist="ana")
    result = cli(db, "history", "Ho\x1b[2Jms")
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "Ho\\x1b[2Jms" in result.output


def test_an_escape_in_a_table_is_not_printed_raw(db: str, tmp_path: Path) -> None:
    ok(db, "init", archivist="ana")
    if file_report(db, tmp_path, quote='"x"', report="r\\u001b]0;pwned\\u0007") != 0:
        return  # refused on import
    output = ok(db, "log").output
    assert "\x1b" not in output and "\x07" not in output


# Files named with -o -------------------------------------------------------------


@pytest.fixture
def archive(sqlite_db: str) -> str:
    ok(sqlite_db, "init", archivist="ana")
    return sqlite_db


WRITERS = [
    ("export", "state"),
    ("export", "claims"),
    ("export", "timelines"),
    ("dump",),
    ("map", "--at", "2024-12-07"),
]


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_an_existing_file_is_kept_unless_forced(
    archive: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("precious")
    result = cli(archive, *command, "-o", str(target))
    assert result.exit_code == 1
    assert "already exists; pass --force to replace it" in result.output
    assert target.read_text() == "precious"
    ok(archive, *command, "-o", str(target), "--force")
    assert target.read_text() != "precious"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("command", WRITERS, ids=lambda c: " ".join(c[:2]))
def test_a_fifo_or_a_symlink_is_refused_even_with_force(
    archive: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = cli(archive, *command, "-o", str(fifo), "--force")
    assert result.exit_code == 1
    assert "is a FIFO; warlog writes only regular files" in result.output
    real = tmp_path / "real.txt"
    real.write_text("precious")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    result = cli(archive, *command, "-o", str(link), "--force")
    assert "is a symbolic link" in result.output
    assert link.is_symlink() and real.read_text() == "precious"


def test_a_checkpoint_is_never_overwritten_by_accident(archive: str, tmp_path: Path) -> None:
    published = tmp_path / "cp.txt"
    ok(archive, "checkpoint", "-o", str(published))
    before = published.read_text()
    ok(
        archive,
        "report",
        "add",
        "--source",
        "Wire",
        "--published",
        "2024-12-07",
        "--claim",
        "Homs:rebels:controlled",
        archivist="ana",
    )
    result = cli(archive, "checkpoint", "-o", str(published))
    assert result.exit_code == 1 and "already exists" in result.output
    assert published.read_text() == before
    assert cli(archive, "checkpoint", "-o", "/dev/null").exit_code == 1  # a device
