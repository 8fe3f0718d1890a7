"""The `layan keys` and `layan documents` commands: signing keys, certificates, and
verifying a document offline. Commands call services, never SQL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from layan.catalogue import queries as catalogue
from layan.cli_common import database_command, err, load_settings, out
from layan.core.events import SYSTEM
from layan.documents import keys, rules
from layan.documents.keys import KeyFolder

keys_app = typer.Typer(help="The agencies' signing keys and certificates.", no_args_is_help=True)
documents_app = typer.Typer(help="Issued documents: verify one offline.", no_args_is_help=True)


def _runtime():  # type: ignore[no-untyped-def]
    settings = load_settings()
    return settings, database_command(settings)


@keys_app.command("list")
def keys_list() -> None:
    """Every agency's public keys: the active one signs, retired ones still verify."""
    _settings, command = _runtime()
    with command as db, db.unit_of_work(readonly=True) as uow:
        rows = keys.list_keys(uow)
    table = Table("agency", "kid", "status", "x (Ed25519, base64url)")
    for k in rows:
        table.add_row(k.agency, k.kid, k.status, k.x)
    out.print(table)


@keys_app.command("ensure")
def keys_ensure() -> None:
    """Give every agency without an active key one (the server does this when it starts)."""
    settings, command = _runtime()
    with command as db:
        with db.unit_of_work(readonly=True) as uow:
            codes = [a.code for a in catalogue.list_agencies(uow)]
        made = keys.ensure_keys(db, KeyFolder(settings.signing_keys_dir), codes, SYSTEM)
    out.print(f"{len(made)} key(s) made in {settings.signing_keys_dir}")


@keys_app.command("rotate")
def keys_rotate(agency: str) -> None:
    """Retire AGENCY's active key and make a new one; earlier documents still verify."""
    settings, command = _runtime()
    with command as db:
        kid = keys.rotate_key(db, KeyFolder(settings.signing_keys_dir), agency, SYSTEM)
    out.print(f"{agency} now signs with key {kid}; the old key is retired, still published")


@keys_app.command("import-certificate")
def keys_import_certificate(
    agency: str,
    pkcs12: Annotated[Path, typer.Argument(help="The certificate and its key (.p12/.pfx).")],
    passphrase: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="Asked hidden when not given.")
    ] = "",
) -> None:
    """Keep AGENCY's X.509 certificate so its PDFs also carry a PAdES signature."""
    settings, command = _runtime()
    with command as db, db.unit_of_work(readonly=True) as uow:
        if catalogue.find_agency(uow, agency) is None:
            err.print(f"[red]unknown agency {agency}[/red]")
            raise typer.Exit(1)
    folder = KeyFolder(settings.signing_keys_dir).certificate_dir(agency)
    from layan.documents import pades  # the signing library, only for this command

    try:
        subject = pades.install_certificate(
            folder, pkcs12.read_bytes(), passphrase.encode() or None
        )
    except (OSError, ValueError) as exc:
        err.print(f"[red]cannot use {pkcs12}: {exc}[/red]")
        raise typer.Exit(1) from None
    out.print(f"{agency}: PDFs are now also signed (PAdES) as {subject}")


@documents_app.command("verify")
def documents_verify(
    jws: Annotated[str, typer.Argument(help="The QR code's text, or - to read it from stdin.")],
    keys_file: Annotated[
        Path, typer.Option("--keys", help="A saved copy of GET /api/v1/keys (JSON).")
    ],
) -> None:
    """Verify a document's JWS offline, with the public keys only; exit 1 if it fails."""
    text = sys.stdin.read() if jws == "-" else jws
    try:
        jwks = json.loads(keys_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        err.print(f"[red]cannot read {keys_file}: {exc}[/red]")
        raise typer.Exit(2) from None
    holds, unverified, why = rules.verify_with_keys(
        text.strip(), jwks if isinstance(jwks, list) else []
    )
    if not holds:
        err.print(f"[red]NOT VALID[/red]: {why}")
        raise typer.Exit(1)
    assert unverified is not None
    sys.stdout.write(json.dumps(unverified.payload, indent=2, ensure_ascii=False) + "\n")
    err.print("signature holds (revocation is checked online: GET /api/v1/outputs/{id}/verify)")
