"""Command-line parameter types shared by the `coretelecoms` commands and the workflows' own pods (click only)."""

from __future__ import annotations

from datetime import date, datetime

import click


class IsoDate(click.ParamType):
    """A calendar date as YYYY-MM-DD; anything else is a usage error (exit 2)."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            self.fail(f"{value!r} is not a date in YYYY-MM-DD form", param, ctx)


ISO_DATE = IsoDate()
