"""The README documents every command, option-bearing contract and error code."""

from __future__ import annotations

import click

from fairhearing.cli import cli
from fairhearing.errors import CODES
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, full + " "))
        else:
            out.append(full)
    return out


def test_readme_opens_with_two_commands():
    head = README.split("\n## ")[0]
    block = head.split("```")[1]
    lines = [line for line in block.splitlines()[1:] if line.strip()]
    assert len(lines) == 2
    assert "setup.sh" in lines[0] and "pytest" in lines[1]


def test_every_command_documented():
    for name in _commands(cli):
        assert f"fairhearing {name}" in README, f"README does not document `fairhearing {name}`"


def test_every_option_documented():
    for name, cmd in cli.commands.items():
        if isinstance(cmd, click.Group):
            continue
        for param in cmd.params:
            if isinstance(param, click.Option) and param.name not in ("db_path", "help"):
                flag = max(param.opts, key=len)
                assert flag in README, f"README does not mention {flag} of `fairhearing {name}`"


def test_every_error_code_documented():
    for code in CODES:
        assert code in README, f"README does not list error code {code}"


def test_every_environment_variable_documented():
    """Every ``FAIRHEARING_*`` variable named in the code is in the README's table."""
    import re

    names = set()
    for folder in ("fairhearing", "ingest", "nlp", "store", "web", "search"):
        for path in (ROOT / folder).rglob("*.py"):
            names |= set(re.findall(r"[\"'](FAIRHEARING_[A-Z0-9_]+)[\"']", path.read_text(encoding="utf-8")))
    assert "FAIRHEARING_DB" in names  # the scan finds them
    for name in sorted(names):
        assert f"| `{name}` |" in README, f"README's environment table lacks {name}"
