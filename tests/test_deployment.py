"""The compose file and the Dockerfile, checked without Docker (make test). `make compose-test`
starts them for real (tests/compose)."""

from __future__ import annotations

import re

import yaml

from dacall.settings import PROJECT_ROOT


def test_compose_parses_and_everything_it_names_exists():
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    gitignore = (PROJECT_ROOT / ".gitignore").read_text().split()
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
            env_file = re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", env_file)
            assert (PROJECT_ROOT / f"{env_file}.example").is_file(), env_file
        for volume in service.get("volumes", []):
            source = volume.rsplit(":", 2)[0] if volume.count(":") >= 2 else volume.split(":")[0]
            # ${VARIABLE:-./default}: the default exists in the repository, or is a folder of
            # secrets that git ignores and the force provides (./keys).
            source = re.sub(r"^\$\{\w+:-(.*)\}$", r"\1", source)
            ignored = f"/{source.removeprefix('./')}/" in gitignore
            if source.startswith((".", "/")):
                assert ignored or (PROJECT_ROOT / source).exists(), f"{name}: {source}"
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


def test_compose_and_docs_agree_on_the_landing_folder():
    compose = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert "${DACALL_LANDING_DIR:-./landing}:/data/landing:ro" in compose
    assert "`landing/`" in (PROJECT_ROOT / "README.md").read_text()
    assert "mounts this folder" in (PROJECT_ROOT / "landing" / "README.md").read_text()


def test_the_images_the_files_name_are_the_ones_the_stand_ins_build():
    """docker/base-images.sh builds, on a closed network, exactly the images named here."""
    script = (PROJECT_ROOT / "docker" / "base-images.sh").read_text()
    named = set(re.findall(r"^FROM (\S+)", (PROJECT_ROOT / "Dockerfile").read_text(), re.M))
    named |= {
        service["image"]
        for service in yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())[
            "services"
        ].values()
        if "image" in service and "build" not in service
    }
    built = set(re.findall(r"^\w+_IMAGE=(\S+)", script, re.M)) - {"dacall-standin/debian:bookworm"}
    assert named == built, (named, built)
