"""``python -m web.users``: the agent console's accounts, in the state database of the
current settings (``AISLE_STATE_DATABASE_URL``, else SQLite in the state folder).

    python -m web.users add NAME        # asks for the password twice (or reads one line
                                        # from standard input when it is not a terminal)
    python -m web.users passwd NAME     # a new password; signs the account out everywhere
    python -m web.users remove NAME     # deletes the account and its sessions
    python -m web.users list
    python -m web.users audit [--limit N]

A password is never taken from the command line, where other local users can read it.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from aisle.settings import load_settings
from web.accounts import MIN_PASSWORD_CHARS, AccountError, AgentAccounts


class PasswordMismatch(AccountError):
    """The two passwords typed differ."""


def read_password(stdin: TextIO, prompt: bool) -> str:
    """A password typed twice at a terminal (``prompt``), else the first line of ``stdin``."""
    if not prompt:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"password (at least {MIN_PASSWORD_CHARS} characters): ")
    if getpass.getpass("the same again: ") != first:
        raise PasswordMismatch("the passwords differ")
    return first


def run(argv: list[str], accounts: AgentAccounts, stdin: TextIO, stdout: TextIO,
        prompt: bool) -> int:
    """Carry out one command; returns the exit status (errors go to standard error)."""
    parser = argparse.ArgumentParser(prog="python -m web.users",
                                     description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, what in (("add", "create an account"), ("passwd", "set a new password"),
                       ("remove", "delete an account")):
        commands.add_parser(name, help=what).add_argument("name")
    commands.add_parser("list", help="account names")
    audit = commands.add_parser("audit", help="the latest audit log entries, newest first")
    audit.add_argument("--limit", type=int, default=50)
    args = parser.parse_args(argv)
    try:
        if args.command == "add":
            name = accounts.add(args.name, read_password(stdin, prompt))
            print(f"added agent account {name!r}", file=stdout)
        elif args.command == "passwd":
            accounts.set_password(args.name, read_password(stdin, prompt))
            print(f"new password set for {args.name!r}; its sessions are ended", file=stdout)
        elif args.command == "remove":
            accounts.remove(args.name)
            print(f"removed agent account {args.name!r} and its sessions", file=stdout)
        elif args.command == "list":
            for name in accounts.names():
                print(name, file=stdout)
        else:
            for entry in accounts.audit_log(args.limit):
                print(f"{entry.at:%Y-%m-%d %H:%M:%S}Z {entry.action:<16} {entry.account:<20} "
                      f"{entry.client or '-':<16} {entry.conversation_id or '-'}", file=stdout)
    except AccountError as error:
        print(f"web.users: {error}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    return run(sys.argv[1:] if argv is None else argv, AgentAccounts(settings.state_url),
               sys.stdin, sys.stdout, prompt=sys.stdin.isatty())


if __name__ == "__main__":
    raise SystemExit(main())
