"""`dacall review`: the review queue, case pages and outcomes, server-rendered.

Reads only the published snapshot (dacall.review.snapshot); writes only its own database
(dacall.review.store). Every page needs a log-in; every form carries a CSRF token; every case
viewed and outcome recorded is logged. No script runs on any page (the CSP forbids it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from dacall.review import auth, store
from dacall.review.config import BANDS, review_config
from dacall.review.reader import QUEUE_PAGE, Snapshot
from dacall.settings import UserError

HERE = Path(__file__).parent
LOCAL = ZoneInfo("Europe/London")
URN = re.compile(r"^HC-\d{6}-\d{4}$")
SESSION_COOKIE = "dacall_review_session"
LOGIN_COOKIE = "dacall_review_login"
SESSION_HOURS = 8
MAX_NOTE = 2000

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class Settings:
    snapshot: Path
    database_url: str
    users: Path
    secure_cookies: bool = False


@dataclass(frozen=True)
class Session:
    user: str
    role: str
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def local(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M:%S") -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(LOCAL).strftime(fmt)


def timeline(incident: dict) -> list[tuple[str, datetime]]:
    events = [
        ("created", incident["created_at"]),
        ("answered", incident["answered_at"]),
        ("abandoned" if incident["is_abandoned"] else "ended", incident["call_ended_at"]),
        ("call-back", incident["callback_at"]),
        ("first dispatch", incident["first_dispatch_at"]),
        ("first arrival", incident["first_arrival_at"]),
        ("closed", incident["closed_at"]),
    ]
    return sorted(((name, at) for name, at in events if at is not None), key=lambda e: e[1])


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="dacall review", docs_url=None, redoc_url=None, openapi_url=None)
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["local"] = local
    snapshot = Snapshot(settings.snapshot)
    database = store.engine(settings.database_url)
    config = review_config()
    app.state.snapshot = snapshot
    app.state.database = database
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        return response

    def session_of(request: Request) -> Session | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token:
            return None
        with database.connect() as con:
            row = con.execute(
                sa.select(store.sessions).where(store.sessions.c.token_hash == _digest(token))
            ).first()
        if row is None or row.expires_at < store.now():
            return None
        return Session(row.user_name, row.role, row.csrf_token)

    def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        return templates.TemplateResponse(
            request, name, {"config": config, "bands": BANDS, **context}, status_code=status
        )

    def refused(request: Request, message: str, status: int = 403) -> HTMLResponse:
        return render(request, "error.html", status=status, message=message, session=None)

    def csrf_ok(session: Session, token: str) -> bool:
        return bool(token) and hmac.compare_digest(session.csrf, token)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError):
        return refused(request, str(exc), status=503)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, failed: int = 0):
        token = secrets.token_urlsafe(32)
        response = render(request, "login.html", session=None, csrf=token, failed=failed)
        response.set_cookie(
            LOGIN_COOKIE, token, httponly=True, samesite="strict", secure=settings.secure_cookies
        )
        return response

    @app.post("/login")
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        csrf_token: str = Form(""),
    ):
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(expected, csrf_token):
            return refused(request, "The form was not accepted: reload the log-in page.")
        user = auth.authenticate(settings.users, username[:80], password[:200])
        if user is None:
            return RedirectResponse("/login?failed=1", status_code=303)
        token = secrets.token_urlsafe(32)
        with database.begin() as con:
            con.execute(store.sessions.delete().where(store.sessions.c.expires_at < store.now()))
            con.execute(
                store.sessions.insert().values(
                    token_hash=_digest(token),
                    user_name=user.name,
                    role=user.role,
                    csrf_token=secrets.token_urlsafe(32),
                    expires_at=store.now() + timedelta(hours=SESSION_HOURS),
                )
            )
        store.log_access(database, user.name, "log_in")
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=settings.secure_cookies,
            max_age=SESSION_HOURS * 3600,
        )
        response.delete_cookie(LOGIN_COOKIE)
        return response

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")):
        session = session_of(request)
        if session is None or not csrf_ok(session, csrf_token):
            return refused(request, "The form was not accepted.")
        with database.begin() as con:
            con.execute(
                store.sessions.delete().where(
                    store.sessions.c.token_hash == _digest(request.cookies[SESSION_COOKIE])
                )
            )
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse)
    def queue(
        request: Request,
        band: str = "",
        team: str = "",
        shift: str = "",
        system: str = "",
        day: str = "",
        page: int = 1,
    ):
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        options = snapshot.options()
        filters = {
            "band": band if band in BANDS else "",
            "team": team if team in options["teams"] else "",
            "shift": shift if shift in [s.name for s in config.shifts] else "",
            "system": system if system in options["systems"] else "",
            "date": day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) and _is_date(day) else "",
        }
        page = max(1, min(page, 10_000))
        rows, counts = snapshot.queue(filters, page)
        query = {k if k != "date" else "day": v for k, v in filters.items() if v}
        return render(
            request,
            "queue.html",
            session=session,
            rows=rows,
            counts=counts,
            total=sum(counts.values()),
            filters=filters,
            options=options,
            published=snapshot.published(),
            page=page,
            page_size=QUEUE_PAGE,
            next_page=urlencode({**query, "page": page + 1}),
            previous_page=urlencode({**query, "page": page - 1}),
        )

    @app.get("/case/{incident_urn}", response_class=HTMLResponse)
    def case(request: Request, incident_urn: str, recorded: int = 0):
        session = session_of(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        if not URN.match(incident_urn):
            return refused(request, "Not an incident reference.", status=404)
        found = snapshot.case(incident_urn)
        if found is None:
            return refused(request, "No such incident in the published data.", status=404)
        store.log_access(database, session.user, "view_case", incident_urn)
        return render(
            request,
            "case.html",
            session=session,
            timeline=timeline(found["incident"]),
            outcomes=store.outcomes_of(database, incident_urn),
            recorded=recorded,
            **found,
        )

    @app.post("/case/{incident_urn}/outcome")
    def record(
        request: Request,
        incident_urn: str,
        outcome: str = Form(""),
        note: str = Form(""),
        csrf_token: str = Form(""),
    ):
        session = session_of(request)
        if session is None:
            return refused(request, "Log in first.", status=401)
        if not csrf_ok(session, csrf_token):
            return refused(request, "The form was not accepted: reload the page and try again.")
        if session.role != "reviewer":
            return refused(request, "Only a reviewer may record an outcome.")
        if not URN.match(incident_urn) or snapshot.case(incident_urn) is None:
            return refused(request, "No such incident in the published data.", status=404)
        if outcome not in config.outcomes:
            return refused(request, "Choose one of the outcomes.", status=400)
        store.record_outcome(database, incident_urn, outcome, note.strip()[:MAX_NOTE], session.user)
        return RedirectResponse(f"/case/{incident_urn}?recorded=1", status_code=303)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)  # no icon, and no 404 in the browser's console

    @app.get("/healthz")
    def healthz() -> Response:
        return Response("ok", media_type="text/plain")

    return app


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def settings_for(warehouse: Path) -> Settings:
    import os

    from dacall.review.snapshot import snapshot_path

    return Settings(
        snapshot=snapshot_path(warehouse),
        database_url=store.database_url(warehouse),
        users=auth.users_file(warehouse),
        secure_cookies=os.environ.get("DACALL_REVIEW_SECURE_COOKIES") == "1",
    )
