"""Data Docs that open offline and tell no one they were opened.

GX's page templates load Bootstrap, jQuery, Vega and Font Awesome from public CDNs and GX's
logo from GX's storage with this installation's id in the address. After each build,
`make_offline` copies the vendored files listed in expectations/data_docs_assets/assets.yml into
the site and rewrites every page to use them.

    python -m dacall.validation.data_docs vendor   # refresh the vendored files with npm pack
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from dacall.settings import UserError, expectations_dir, load_yaml

ASSETS_DIR = expectations_dir() / "data_docs_assets"
CHECKSUMS = "SHA256SUMS"
LOGO = re.compile(r'https://great-expectations-web-assets\.[^"\']*/logo-long\.png[^"\']*')
# Subresource integrity and CORS mode make a browser refuse a script opened from a file.
# GX's validation pages climb one folder too few to reach the site's favicon.
FAVICON = re.compile(r'href="(?:\.\./)*static/images/favicon\.ico"')
INTEGRITY = re.compile(r'\s+(integrity="[^"]*"|crossorigin="[^"]*")')
EXTERNAL_RESOURCE = re.compile(r'<(?:script|link|img)\b[^>]*(?:src|href)="(https?://[^"]+)"')

log = logging.getLogger(__name__)


def _config() -> dict:
    return load_yaml(ASSETS_DIR / "assets.yml")


def _checksums() -> dict[str, str]:
    lines = (ASSETS_DIR / CHECKSUMS).read_text().splitlines()
    return {name: digest for digest, name in (line.split(maxsplit=1) for line in lines if line)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_offline(site: Path, changed_since: float | None = None) -> int:
    """Serve the site's CDN files from the site itself; returns the number of pages rewritten.
    With `changed_since` (a time), only pages written since are read: the others were made
    offline when they were built. A vendored file that does not match its checksum stops the
    build."""
    config = _config()
    vendor = site / "static" / "vendor"
    expected = _checksums()
    for name, digest in expected.items():
        source = ASSETS_DIR / name
        if not source.is_file() or _sha256(source) != digest:
            raise UserError(f"vendored Data Docs file {name} is missing or altered")
        target = vendor / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    rewritten = 0
    for page in site.rglob("*.html"):
        if changed_since is not None and page.stat().st_mtime < changed_since:
            continue
        text = page.read_text(encoding="utf-8")
        new = _rewrite(text, config, Path(os.path.relpath(site, page.parent)))
        if new != text:
            page.write_text(new, encoding="utf-8")
            rewritten += 1
        for url in EXTERNAL_RESOURCE.findall(new):
            log.warning("Data Docs page still loads %s; add it to %s", url, ASSETS_DIR)
    return rewritten


def _rewrite(text: str, config: dict, to_site: Path) -> str:
    for url in config.get("drop", []):
        text = re.sub(rf'<(link|script)\b[^>]*"{re.escape(url)}"[^>]*>(</script>)?\s*', "", text)
    for asset in config["assets"]:
        if asset.get("url"):
            local = (to_site / "static" / "vendor" / asset["file"]).as_posix()
            text = text.replace(f'"{asset["url"]}"', f'"{local}"')
    images = to_site / "static" / "images"
    text = LOGO.sub((images / "logo-long.png").as_posix(), text)
    text = FAVICON.sub(f'href="{(images / "favicon.ico").as_posix()}"', text)
    return INTEGRITY.sub("", text)


def vendor() -> None:
    """Fetch every package in assets.yml with `npm pack` (the registry npm is configured for),
    copy the listed files and write their checksums."""
    config = _config()
    with tempfile.TemporaryDirectory() as scratch:
        unpacked: dict[str, Path] = {}
        for package in sorted({a["package"] for a in config["assets"]}):
            done = subprocess.run(
                ["npm", "pack", "--silent", package],
                cwd=scratch,
                capture_output=True,
                text=True,
                check=True,
            )
            tarball = Path(scratch) / done.stdout.strip().splitlines()[-1]
            folder = Path(scratch) / tarball.stem
            with tarfile.open(tarball) as archive:
                archive.extractall(folder, filter="data")
            unpacked[package] = folder / "package"
        lines = []
        for asset in config["assets"]:
            target = ASSETS_DIR / asset["file"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked[asset["package"]] / asset["path"], target)
        for name in sorted({a["file"] for a in config["assets"]}):
            lines.append(f"{_sha256(ASSETS_DIR / name)}  {name}")
        (ASSETS_DIR / CHECKSUMS).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["vendor"]:
        raise SystemExit("usage: python -m dacall.validation.data_docs vendor")
    vendor()
