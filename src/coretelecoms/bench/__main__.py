"""`python -m coretelecoms.bench {web-forms,files,json,history,pods}`: parse the arguments, run one benchmark."""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m coretelecoms.bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    web = sub.add_parser("web-forms", help="web-forms extract against a COPY … TO STDOUT floor")
    web.add_argument("--rows", type=int, default=1_000_000, help="rows in the table")
    files = sub.add_parser("files", help="call-log and social-media extracts against naive readers")
    files.add_argument("--scale", type=float, default=1000, help="simulator scale of the day")
    readers = sub.add_parser("json", help="column-JSON readers: speed and peak memory, each in a child")
    readers.add_argument(
        "--rows", type=int, action="append", help="rows of the day (repeatable; default 9500)"
    )
    readers.add_argument("--readers", help="comma-separated subset of the readers")
    readers.add_argument(
        "--repeat", type=int, default=3, help="fresh children per reader; the fastest counts"
    )
    readers.add_argument("--json", dest="json_path", type=Path, help="also write the figures to this file")
    history = sub.add_parser("history", help="the daily pipeline day after day: is the daily cost flat?")
    history.add_argument("--days", type=int, required=True)
    volume = history.add_mutually_exclusive_group()
    volume.add_argument("--volume", help="passed to `sources generate --volume` (e.g. real)")
    volume.add_argument("--scale", type=float, help="passed to `sources generate --scale` (default 1)")
    history.add_argument("--start", type=date.fromisoformat, default=date(2025, 11, 20))
    history.add_argument("--seed", type=int, default=42)
    history.add_argument("--json", dest="json_path", type=Path, help="also write the figures to this file")
    history.add_argument(
        "--home", type=Path, help="keep the scratch CORETELECOMS_HOME here (default: a temp dir)"
    )
    history.add_argument(
        "--pod-memory",
        action="store_true",
        help="give each step its pod's memory limit as a setting, as its cgroup would (default: the host's RAM)",
    )
    history.add_argument(
        "--transform-memory",
        metavar="SIZE",
        help="the transform's memory setting on every day (e.g. 1GiB: a dbt pod sized for the volume)",
    )
    pods = sub.add_parser("pods", help="each step of a day in its image under its pod's limits (docker)")
    pods.add_argument("--home", type=Path, required=True, help="a CORETELECOMS_HOME with sources and history")
    pods.add_argument("--date", type=date.fromisoformat, required=True)
    pods.add_argument("--tag", default="test", help="image tag: coretelecoms-<image>:<tag>")
    pods.add_argument("--step", action="append", help="only this registry step (repeatable)")
    pods.add_argument("--json", dest="json_path", type=Path, help="also write the figures to this file")
    pods.add_argument("--lake", type=Path, help="extract into this scratch lake instead of the home's")
    pods.add_argument("--pg-socket", type=Path, help="socket dir of a running web-form PostgreSQL")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # `kill PID` unwinds like Ctrl-C: the running step's process group is killed and the embedded
    # PostgreSQL stopped, instead of both being orphaned.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.what == "web-forms":
        from coretelecoms.bench import web_forms

        web_forms.main(args.rows)
    elif args.what == "files":
        from coretelecoms.bench import files

        files.main(args.scale)
    elif args.what == "json":
        from coretelecoms.bench import json_readers

        return json_readers.main(args.rows or [9_500], args.readers, args.json_path, args.repeat)
    elif args.what == "pods":
        from coretelecoms.bench import pods

        return pods.main(args.home, args.date, args.tag, args.step, args.json_path, args.lake, args.pg_socket)
    else:
        from coretelecoms.bench import history

        return history.main(args.days, volume=args.volume, scale=args.scale, start=args.start,
                            seed=args.seed, json_path=args.json_path, home=args.home,
                            pod_memory=args.pod_memory, transform_memory=args.transform_memory)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
