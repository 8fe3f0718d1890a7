"""create_app(settings): the ASGI application with its routers, handlers and database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.staticfiles import StaticFiles

from layan import migrations
from layan.accounts.admin import router as admin_pages
from layan.accounts.pages import router as account_pages
from layan.accounts.routes import router as accounts_router
from layan.analytics.admin_pages import router as figures_admin
from layan.analytics.api import router as dashboard_api
from layan.analytics.public_pages import router as dashboard_pages
from layan.analytics.staff_pages import router as analysis_pages
from layan.applications.api import router as applications_router
from layan.applications.pages import router as application_pages
from layan.applications.workspace import router as workspace_pages
from layan.catalogue import queries as catalogue
from layan.catalogue.pages import router as catalogue_pages
from layan.catalogue.routes import router as catalogue_router
from layan.complaints.api import router as complaints_router
from layan.complaints.pages import router as complaint_pages
from layan.complaints.workspace import router as complaint_workspace
from layan.core.blobs import BlobStore
from layan.core.db import Database
from layan.core.events import SYSTEM
from layan.documents.api import router as documents_router
from layan.documents.audit_pages import router as audit_pages
from layan.documents.issue import Issuer
from layan.documents.keys import KeyFolder, ensure_keys
from layan.documents.pages import router as document_pages
from layan.documents.registries import Endpoint, Registries
from layan.documents.wallet_api import router as wallet_api
from layan.documents.wallet_pages import router as wallet_pages
from layan.documents.workspace import router as document_workspace
from layan.notify.admin_pages import router as message_admin
from layan.notify.api import router as messages_api
from layan.notify.email import Mailer
from layan.notify.pages import router as message_pages
from layan.open311.api import router as open311_router
from layan.settings import Settings, get_settings
from layan.surveys.api import router as surveys_router
from layan.surveys.pages import router as survey_pages
from layan.surveys.report_pages import router as survey_report_pages
from layan.web import errors
from layan.web.api_docs import router as api_docs
from layan.web.language import LanguageSwitch
from layan.web.security import SecurityHeaders
from layan.web.templating import STATIC


def issuer_for(settings: Settings, blobs: BlobStore | None = None) -> Issuer:
    """Who signs and stores documents for this process: its key folder and file store."""
    return Issuer(
        KeyFolder(settings.signing_keys_dir), blobs or BlobStore(settings.blob_dir), settings.site
    )


def registries_for(settings: Settings) -> Registries:
    """The registries this process asks over HTTP (`LAYAN_REGISTRIES`); the rest locally."""
    return Registries(
        {
            code: Endpoint(e.url, e.token, e.timeout_seconds)
            for code, e in settings.registries.items()
        }
    )


def create_app(settings: Settings | None = None, *, db: Database | None = None) -> FastAPI:
    """The application; the database is brought up to the latest migration first, and every
    agency without a signing key gets one."""
    settings = settings or get_settings()
    database = db or Database(settings.database_url, replica_url=settings.database_replica_url)
    migrations.upgrade(database.engine)
    issuer = issuer_for(settings)
    ensure_keys(database, issuer.keys, _agency_codes(database), SYSTEM)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Bounded so that concurrent requests queue in order rather than contend for
        # the GIL and the database's locks.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_count
        yield
        if db is None:
            database.dispose()

    app = FastAPI(
        title="Layan",
        version="0.1.0",
        summary="Public services online: standards, applications across agencies, "
        "working-day deadlines, a verifiable audit chain.",
        lifespan=lifespan,
        docs_url=None,  # served by web/api_docs.py from this site's own files
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.blobs = issuer.blobs
    app.state.issuer = issuer
    app.state.mailer = Mailer(settings.smtp_url, settings.smtp_from, settings.outbox_dir)
    app.state.registries = registries_for(settings)
    errors.install(app)

    @app.get("/healthz", tags=["health"], openapi_extra={"x-permission": "public"})
    def healthz() -> dict[str, str]:
        """The process is up and answering."""
        return {"status": "ok"}

    app.include_router(catalogue_router)
    app.include_router(applications_router)
    app.include_router(accounts_router)
    app.include_router(surveys_router)
    app.include_router(complaints_router)
    app.include_router(open311_router)
    app.include_router(documents_router)
    app.include_router(wallet_api)
    app.include_router(messages_api)
    app.include_router(message_pages)
    app.include_router(message_admin)
    app.include_router(catalogue_pages)
    app.include_router(application_pages)
    app.include_router(account_pages)
    app.include_router(workspace_pages)
    app.include_router(admin_pages)
    app.include_router(survey_pages)
    app.include_router(complaint_pages)
    app.include_router(complaint_workspace)
    app.include_router(survey_report_pages)
    app.include_router(document_pages)
    app.include_router(document_workspace)
    app.include_router(wallet_pages)
    app.include_router(audit_pages)
    app.include_router(dashboard_api)
    app.include_router(dashboard_pages)
    app.include_router(figures_admin)
    app.include_router(analysis_pages)
    app.include_router(api_docs)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(GZipMiddleware, minimum_size=500)

    app.add_middleware(LanguageSwitch)
    app.add_middleware(SecurityHeaders)

    return app


def _agency_codes(db: Database) -> list[str]:
    with db.unit_of_work(readonly=True) as uow:
        return [a.code for a in catalogue.list_agencies(uow)]
