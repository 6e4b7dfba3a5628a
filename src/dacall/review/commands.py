"""`dacall review` (serve the app) and `dacall review-user add` (write a user)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from dacall.cli_args import add_verb, add_warehouse
from dacall.settings import UserError


def cmd_review(args: argparse.Namespace) -> int:
    import uvicorn

    from dacall.review import auth
    from dacall.review.app import create_app, settings_for

    settings = settings_for(args.warehouse)
    if args.demo_user:
        password = auth.ensure_demo_user(settings.users)
        if password:
            print(
                f"created the demo log-in: user demo, password {password}\n"
                f"  (shown once; only its hash is kept in {settings.users})",
                flush=True,
            )
    if not settings.users.exists():
        raise UserError(
            f"no users file {settings.users}: add one with `dacall review-user add NAME "
            "--role reviewer`"
        )
    if not settings.snapshot.exists():
        raise UserError(f"no published snapshot {settings.snapshot}: run `dacall run` first")
    print(f"dacall review on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,  # request lines carry incident references; the app logs its own
        server_header=False,
    )
    return 0


def cmd_review_user(args: argparse.Namespace) -> int:
    from dacall.review import auth

    path = auth.users_file(args.warehouse)
    password = os.environ.get("DACALL_REVIEW_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise UserError("set DACALL_REVIEW_PASSWORD or run in a terminal to type a password")
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise UserError("the passwords differ")
    auth.add_user(path, args.name, args.role, password)
    print(f"user {args.name} ({args.role}) written to {path}")
    return 0


def add_parsers(verbs) -> None:
    rev = add_verb(
        verbs,
        "review",
        cmd_review,
        "the review web app (queue, case pages, outcomes)",
        "Serve the review app over the published snapshot of the marts. Binds "
        "127.0.0.1 unless --host says otherwise.",
    )
    add_warehouse(rev)
    rev.add_argument("--host", default=os.environ.get("DACALL_REVIEW_HOST", "127.0.0.1"))
    rev.add_argument("--port", type=int, default=int(os.environ.get("DACALL_REVIEW_PORT", 8000)))
    rev.add_argument(
        "--demo-user",
        action="store_true",
        help="on first start, create a reviewer `demo` and print its password once",
    )

    user = add_verb(
        verbs,
        "review-user",
        cmd_review_user,
        "add or replace a review app user",
        "Write a user with a salted scrypt hash of the password (from "
        "DACALL_REVIEW_PASSWORD or typed) to the users file (DACALL_REVIEW_USERS).",
    )
    user.add_argument("action", choices=["add"])
    user.add_argument("name")
    user.add_argument("--role", choices=["reviewer", "viewer"], required=True)
    add_warehouse(user)
