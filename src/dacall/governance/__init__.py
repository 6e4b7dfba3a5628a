"""Information governance: consent, link review, subject access, erasure, retention and
encryption of what leaves the force (docs/governance/)."""

from __future__ import annotations

from dacall.settings import UserError, load_yaml


def non_consented_basis() -> str | None:
    """The documented basis for processing Victim Support records without consent, or None."""
    spec = load_yaml("governance.yml").get("victim_support") or {}
    basis = spec.get("non_consented_basis")
    if basis is None:
        return None
    if not isinstance(basis, str) or len(basis.strip()) < 10:
        raise UserError(
            "config/governance.yml: victim_support.non_consented_basis must be null or the "
            "documented basis in words (at least 10 characters)"
        )
    return basis.strip()


def dbt_vars() -> dict:
    """The governance decisions the dbt models need, as dbt variables."""
    return {"vs_non_consented_basis": non_consented_basis()}
