"""Who may use the review app: a users file with salted scrypt hashes, outside git.

The file (JSON, readable only by its owner) is DACALL_REVIEW_USERS, by default
review/users.json beside the warehouse. `dacall review-user add NAME --role R` writes to it.
Roles: reviewer (reads and records outcomes) and viewer (reads).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from dacall import paths
from dacall.settings import UserError
from dacall.warehouse import private_dir, write_private

ROLES = ("reviewer", "viewer")
USER_NAME = re.compile(r"^[a-z][a-z0-9._-]{0,39}$")
# scrypt at n=2**14, r=8 (about 16 MB and some tens of ms per check): slow for a guesser.
_N, _R, _P = 2**14, 8, 1


@dataclass(frozen=True)
class User:
    name: str
    role: str


def users_file(warehouse: Path | None = None) -> Path:
    env = os.environ.get("DACALL_REVIEW_USERS")
    if env:
        return Path(env)
    return paths.warehouse_or_configured(warehouse).resolve().parent / "review" / "users.json"


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


def _read(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read the review users file {path}") from exc
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        raise UserError(f"the review users file {path} has no users mapping")
    return users


def add_user(path: Path, name: str, role: str, password: str) -> None:
    if not USER_NAME.match(name):
        raise UserError("a user name is 1-40 lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 12:
        raise UserError("a password needs at least 12 characters")
    users = _read(path)
    users[name] = {"role": role, "password": hash_password(password)}
    private_dir(path.parent)
    write_private(path, json.dumps({"users": users}, indent=2, sort_keys=True).encode())


def authenticate(path: Path, name: str, password: str) -> User | None:
    entry = _read(path).get(name)
    if not isinstance(entry, dict) or entry.get("role") not in ROLES:
        # Spend the same time as a real check, so a wrong name is not told from a wrong password.
        check_password(password, hash_password("not a user"))
        return None
    if check_password(password, str(entry.get("password", ""))):
        return User(name, entry["role"])
    return None


def ensure_demo_user(path: Path) -> str | None:
    """First start of the demo: a reviewer `demo` with a random password, returned once (the
    file keeps only its hash). None when the users file exists already."""
    if path.exists():
        return None
    password = secrets.token_urlsafe(12)
    add_user(path, "demo", "reviewer", password)
    return password
