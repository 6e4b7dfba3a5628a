"""docker compose cannot run here (no Docker engine): check what can be checked without it."""

from __future__ import annotations

import re

import yaml

from dacall.settings import PROJECT_ROOT


def test_compose_parses_and_everything_it_names_exists():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    for name in (
        "postgres",
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
    ):
        assert name in services, name
    for name, service in services.items():
        build = service.get("build")
        if build:
            context = PROJECT_ROOT / build["context"]
            assert context.is_dir(), name
            assert (context / build.get("dockerfile", "Dockerfile")).is_file(), name
        for env_file in (
            [service["env_file"]]
            if isinstance(service.get("env_file"), str)
            else service.get("env_file", [])
        ):
            # The real .env holds secrets and is never committed; its template is.
            assert (PROJECT_ROOT / f"{env_file}.example").is_file(), env_file
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (PROJECT_ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in compose["volumes"], f"{name}: {source}"
        if name.startswith("airflow"):
            assert "postgresql" in service["environment"]["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert ".env" in (PROJECT_ROOT / ".gitignore").read_text().split()


def test_dockerfile_copies_only_what_exists_and_installs_from_the_lock():
    text = (PROJECT_ROOT / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", text, flags=re.M):
        for source in sources.split():
            assert (PROJECT_ROOT / source).exists(), source
    assert "--require-hashes requirements.lock" in text
