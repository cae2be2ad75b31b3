"""Run the README's `$ warlog …` examples in order in a fresh folder; check or rewrite their output.

    python scripts/readme_examples.py            # show where the README and reality differ
    python scripts/readme_examples.py --update   # write the real output into README.md

What the README says to do first (`warlog demo`, which leaves `sample.jsonl`
and `corrections.jsonl` where it runs) is done first. Every `$ ` line of a
plain code block is then run, in README order, by one bash in one fresh folder
(so a variable set by one example is there for the next, and `echo $?` sees
the example before it), with stdout and stderr together as a user sees them.
A file whose content the README shows (a line ending "`dispute.jsonl`:"
before a code block) is written there before anything runs; the repository's
`tests/data` is linked in, for the ACLED examples.

Output is compared after masking what differs from run to run and is not the
point of the example: record times, key material, hashes and signatures, and
temporary folders. `--update` writes the unmasked output of this run.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^(\s*)```(\S*)\s*$")
CONTENT = re.compile(r"`([\w./-]+\.(?:jsonl|csv|json|txt))`:\s*$")
MARK = "\x1ereadme-example\x1e"
MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"), "<record time>"),
    (re.compile(r"[\w.:/-]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]{40,}=*"), "<verifier key>"),  # note keys
    (re.compile(r"warlog\.archive[/_][0-9a-f]{16}"), "<origin>"),
    (re.compile(r"\b[0-9a-f]{40,}\b"), "<hex>"),  # keys, hashes (whole or cut short)
    (re.compile(r"\b[0-9a-f]{16}\b"), "<key id>"),
    (re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"), "<log time>"),  # Python's logging
    (re.compile(r"/tmp/warlog-readme-\w+"), "<folder>"),
    (re.compile(r"^— <origin> \S+$", re.MULTILINE), "— <origin> <signature>"),
    (re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])"), "<hash>"),
    (re.compile(r"/tmp/warlog-demo-\w+"), "<temporary folder>"),
    (re.compile(r"checked in \d+\.\d+ s \([\d,]+ entries/s\)"), "checked in <time> (<rate>)"),  # timings
]


@dataclass
class Example:
    """One `$ command` of the README, the lines of the README it spans, and the output shown."""

    command: str
    indent: str
    first: int  # index of the command's first line in the README's lines
    end: int  # index just after the last output line
    shown: list[str] = field(default_factory=list)


def parse(lines: list[str]) -> tuple[list[Example], dict[str, str]]:
    """The examples in README order, and the files whose content the README shows."""
    examples: list[Example] = []
    files: dict[str, str] = {}
    i = 0
    while i < len(lines):
        fence = FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        indent, language = fence.group(1), fence.group(2)
        close = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        body = [
            line[len(indent) :] if line.startswith(indent) else line.lstrip() for line in lines[i + 1 : close]
        ]
        named = CONTENT.search(_previous_text(lines, i))
        if named and not any(b.startswith("$ ") for b in body):
            files[named.group(1)] = "".join(f"{b}\n" for b in body)
        elif language == "":
            examples.extend(_examples(body, i + 1, indent))
        i = close + 1
    return examples, files


def _previous_text(lines: list[str], index: int) -> str:
    for j in range(index - 1, -1, -1):
        if lines[j].strip():
            return lines[j].strip()
    return ""


def _examples(body: list[str], offset: int, indent: str) -> list[Example]:
    found: list[Example] = []
    k = 0
    while k < len(body):
        if not body[k].startswith("$ "):
            if found:
                found[-1].shown.append(body[k])
                found[-1].end = offset + k + 1
            k += 1
            continue
        start, command = k, body[k][2:]
        while command.endswith("\\") and k + 1 < len(body):
            k += 1
            command = command + "\n" + body[k]  # bash joins the lines, as a user's shell does
        found.append(Example(command, indent, offset + start, offset + k + 1))
        k += 1
    return found


def run(examples: list[Example], files: dict[str, str], folder: Path) -> list[list[str]]:
    """Each example's output (stdout and stderr as one), run in order by one bash in `folder`."""
    for name, content in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, "utf-8")
    (folder / "tests").mkdir(exist_ok=True)
    os.symlink(ROOT / "tests" / "data", folder / "tests" / "data")
    script = ["set +e", "warlog demo > /dev/null 2>&1 || echo 'warlog demo failed' >&2", "__rc=0"]
    for example in examples:
        # The mark, then the exit code of the example before, for an `echo $?`.
        script.append(f"printf '{MARK}\\n'; (exit $__rc)")
        script.append(f"{{ {example.command}\n}} 2>&1; __rc=$?")
    script.append(f"printf '{MARK}\\n'")
    bin_dir = Path(sys.executable).parent
    env = {
        "PATH": f"{bin_dir}{os.pathsep}/usr/local/bin:/usr/bin:/bin",
        "HOME": str(folder / "home"),
        "WARLOG_ARCHIVIST": "ana",
        "PYTHONUNBUFFERED": "1",  # stderr and stdout in the order they were written
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "COLUMNS": "200",
        # The order of the events of one import (so their positions) follows set order
        # today, which varies with the hash seed: fixed, so that positions can be compared.
        "PYTHONHASHSEED": "0",
    }
    (folder / "home").mkdir()
    done = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.stderr:
        raise RuntimeError(f"the README's examples could not run: {done.stderr}")
    parts = done.stdout.split(f"{MARK}\n")
    return [part.rstrip("\n").split("\n") if part.strip("\n") else [] for part in parts[1:-1]]


def masked(lines: list[str]) -> list[str]:
    text = "\n".join(line.rstrip() for line in lines)
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    return text.split("\n") if text else []


def differences(examples: list[Example], outputs: list[list[str]]) -> list[str]:
    """A unified diff per example whose output differs from the README's."""
    problems = []
    for example, output in zip(examples, outputs, strict=True):
        if masked(example.shown) != masked(output):
            diff = difflib.unified_diff(masked(example.shown), masked(output), "README", "real", lineterm="")
            problems.append(f"README.md:{example.first + 1}: $ {example.command}\n" + "\n".join(diff))
    return problems


def updated(lines: list[str], examples: list[Example], outputs: list[list[str]]) -> list[str]:
    """The README's lines with each example's output replaced by the real one."""
    result = list(lines)
    for example, output in sorted(zip(examples, outputs, strict=True), key=lambda e: -e[0].first):
        command_lines = example.command.count("\n") + 1
        start = example.first + command_lines
        result[start : example.end] = [f"{example.indent}{line}".rstrip() for line in output]
    return result


def check(readme: Path = README) -> tuple[list[str], list[str]]:
    """Run the README's examples; return the problems found, and the README as it would be updated."""
    lines = readme.read_text("utf-8").split("\n")
    examples, files = parse(lines)
    folder = Path(tempfile.mkdtemp(prefix="warlog-readme-"))
    try:
        outputs = run(examples, files, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return differences(examples, outputs) + failures(examples, outputs), updated(lines, examples, outputs)


# The examples that show a refusal on purpose; any other example that prints an error
# is a README whose walk-through broke (a file it needs is not made, a step moved).
MEANT_TO_FAIL = (
    'warlog state --place "Al Arish" --db gazetteer.db',
    "warlog state --at 2024-12-07 --known-at 2030-01-01",
    "bagit.py --validate homs-evidence",
    "warlog verify-package homs-evidence",
)


def failures(examples: list[Example], outputs: list[list[str]]) -> list[str]:
    """Examples not meant to fail whose output is an error or a traceback."""
    problems = []
    for example, output in zip(examples, outputs, strict=True):
        errors = [line.strip() for line in output if line.lstrip().startswith(("error:", "Traceback"))]
        if errors and example.command not in MEANT_TO_FAIL:
            problems.append(
                f"README.md:{example.first + 1}: $ {example.command}\nprints an error it is not meant to: "
                f"{errors[0]}"
            )
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--update", action="store_true", help="write the real output into README.md")
    args = parser.parse_args()
    problems, new = check()
    if args.update:
        README.write_text("\n".join(new), "utf-8")
        print(f"README.md: {len(problems)} example(s) rewritten", file=sys.stderr)
        return 0
    for problem in problems:
        print(problem, end="\n\n")
    print(f"{len(problems)} example(s) differ from the README", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
