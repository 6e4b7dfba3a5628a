"""Extracts encrypted to each partner, and a manifest the partner can verify came from the
force.

Every extract file is built in memory and encrypted with age (X25519, through pyrage) to the
partner's public key, named in its sharing agreement (`recipient: age1...` inline, or
`recipient_file:` a file in the keys folder); no plaintext copy is ever written. The manifest is
signed with the force's Ed25519 key (manifest.json.sig, raw 64 bytes), which a partner checks
with the force's published public key (force_signing.pub, PEM), for example
`openssl pkeyutl -verify -pubin -inkey force_signing.pub -rawin -in manifest.json -sigfile
manifest.json.sig`.

Keys: the keys folder is DACALL_KEYS_DIR (default keys/ in the project, never committed); the
force's signing key is DACALL_SIGNING_KEY_FILE or <keys>/force_signing.key (PEM, owner-only).
`dacall keys --demo` makes throwaway keys for the demo and the tests.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from dacall.settings import PROJECT_ROOT, UserError, is_checkout
from dacall.warehouse import private_dir, write_private

SIGNING_KEY = "force_signing.key"
SIGNING_PUBLIC = "force_signing.pub"


def keys_dir() -> Path:
    """DACALL_KEYS_DIR, else keys/ in a source checkout, else keys/ in the working directory."""
    value = os.environ.get("DACALL_KEYS_DIR")
    if value:
        return Path(value)
    return (PROJECT_ROOT if is_checkout() else Path.cwd()) / "keys"


def _age():
    try:
        import pyrage
        from pyrage import x25519
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise UserError("pyrage is not installed: run `make install`") from exc
    return pyrage, x25519


def recipient_text(spec: dict, partner: str) -> str:
    """The partner's age public key, from its sharing agreement."""
    where = f"config/sharing/{partner}.yml"
    text = spec.get("recipient")
    if not text and spec.get("recipient_file"):
        name = str(spec["recipient_file"])
        path = Path(name) if Path(name).is_absolute() else keys_dir() / name
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(
                f"{where}: cannot read the partner's public key {path.name} in {path.parent} "
                "(set DACALL_KEYS_DIR, or run `dacall keys --demo` for demo keys); "
                "refusing to write an extract"
            ) from exc
    if not text:
        raise UserError(
            f"{where}: no public key for the partner (recipient or recipient_file); "
            "refusing to write an unencrypted extract"
        )
    _pyrage, x25519 = _age()
    try:
        x25519.Recipient.from_str(str(text).strip())
    except Exception as exc:  # noqa: BLE001 - pyrage raises its own error types
        raise UserError(f"{where}: the recipient is not an age X25519 public key") from exc
    return str(text).strip()


def fingerprint(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return "SHA256:" + hashlib.sha256(data).hexdigest()


def encrypt(data: bytes, recipient: str) -> bytes:
    pyrage, x25519 = _age()
    return pyrage.encrypt(data, [x25519.Recipient.from_str(recipient)])


def decrypt(data: bytes, identity: str) -> bytes:
    pyrage, x25519 = _age()
    return pyrage.decrypt(data, [x25519.Identity.from_str(identity)])


def _signing_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    path = Path(os.environ.get("DACALL_SIGNING_KEY_FILE") or keys_dir() / SIGNING_KEY)
    try:
        key = load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot read the force's signing key {path.name} in {path.parent} (set "
            "DACALL_SIGNING_KEY_FILE, or run `dacall keys --demo`); refusing to write an extract"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(f"{path.name}: the signing key must be an Ed25519 key")
    return key


def public_pem(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signing_fingerprint() -> str:
    from cryptography.hazmat.primitives import serialization

    raw = (
        _signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return fingerprint(raw)


def sign(data: bytes) -> bytes:
    return _signing_key().sign(data)


def verify(data: bytes, signature: bytes, public_key_pem: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        load_pem_public_key(public_key_pem).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def make_demo_keys(folder: Path, partners: list[str]) -> list[Path]:
    """Throwaway keys for the demo and the tests: each partner's age key pair (the secret half
    only so the demo can show decryption; a real partner keeps its own) and the force's
    signing key. Existing keys are kept."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _pyrage, x25519 = _age()
    folder = private_dir(Path(folder))
    written = []
    for partner in partners:
        public, secret = folder / f"{partner}.age.pub", folder / f"{partner}.age.key"
        if not public.exists() or not secret.exists():
            identity = x25519.Identity.generate()
            write_private(secret, str(identity).encode() + b"\n")
            write_private(public, str(identity.to_public()).encode() + b"\n")
            written += [public, secret]
    key_path = folder / SIGNING_KEY
    if not key_path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        write_private(key_path, pem)
        write_private(folder / SIGNING_PUBLIC, public_pem(key))
        written += [key_path, folder / SIGNING_PUBLIC]
    return written
