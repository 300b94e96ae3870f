"""What the commands print: Rich tables and colour on a terminal, plain text otherwise,
and JSON only with --json."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | set):
        return list(value) if isinstance(value, set) else value.decode(errors="replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Output:
    def __init__(self) -> None:
        self.console = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True)

    @property
    def terminal(self) -> bool:
        return self.console.is_terminal

    def json(self, value: Any) -> None:
        # Plain print: Rich must not wrap or colour machine-read output.
        print(json.dumps(value, indent=2, default=_json_default, ensure_ascii=False))

    def say(self, text: str = "", style: str | None = None) -> None:
        if self.terminal:
            self.console.print(text, style=style, markup=False)
        else:
            print(text, flush=True)  # as is: Rich would expand tabs and wrap

    def error(self, text: str) -> None:
        self.errors.print(f"order-pipeline: {text}", style="red", markup=False)

    def table(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        cells = [["" if v is None else _cell(v) for v in row] for row in rows]
        if not self.terminal:
            # Plain: a title line, then tab-separated columns that scripts can cut.
            self.say(title)
            for line in [columns, *cells]:
                self.say("\t".join(value.replace("\t", " ") for value in line))
            return
        table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        for row in cells:
            table.add_row(*row)
        self.console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, default=_json_default, ensure_ascii=False)
