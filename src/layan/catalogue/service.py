"""Use cases of the catalogue: import agencies and standards, publish versions, calendars."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from layan.catalogue import rules
from layan.catalogue.models import Agency, CalendarDay, Registry, Service, StandardVersion, Unit
from layan.core.calendar import ZONES
from layan.core.db import Database, UnitOfWork
from layan.core.errors import FieldError, NotFoundError, Text, ValidationFailedError
from layan.core.events import SYSTEM, Actor, Ledger, record_agency_event, record_event

DAY_KINDS = ("holiday", "collective_leave", "closure")


def import_agencies(uow: UnitOfWork, agencies: list[rules.Agency], actor: Actor = SYSTEM) -> int:
    """Create or update agencies and their units; each agency gets its ledger."""
    with uow:
        for spec in agencies:
            agency = uow.session.execute(
                select(Agency).where(Agency.code == spec.code)
            ).scalar_one_or_none()
            if agency is None:
                agency = Agency(code=spec.code, name=spec.name, tz=ZONES[spec.tz])
                uow.session.add(agency)
                uow.session.add(Ledger(agency=spec.code))
                uow.session.flush()
            agency.name, agency.tz = spec.name, ZONES[spec.tz]
            agency.letterhead = spec.letterhead.model_dump() if spec.letterhead else None
            _upsert_units(uow, agency, spec)
            _upsert_registries(uow, spec)
            record_agency_event(
                uow.session,
                agency.code,
                "agency recorded",
                actor,
                uow.now(),
                payload={
                    "units": [u.code for u in spec.units],
                    "registries": [r.code for r in spec.registries],
                },
            )
        uow.commit()
    return len(agencies)


def _upsert_units(uow: UnitOfWork, agency: Agency, spec: rules.Agency) -> None:
    existing = {u.code: u for u in agency.units}
    for unit_spec in spec.units:
        unit = existing.get(unit_spec.code) or Unit(agency_id=agency.id, code=unit_spec.code)
        unit.name = unit_spec.name.id
        if unit_spec.hours:
            unit.opens, unit.closes = unit_spec.hours.opens, unit_spec.hours.closes
            unit.workdays = "".join(str(d) for d in sorted(unit_spec.hours.workdays))
        uow.session.add(unit)


def _upsert_registries(uow: UnitOfWork, spec: rules.Agency) -> None:
    """The agency's registries as its file lists them; a registry keeps its code for good."""
    for registry in spec.registries:
        row = uow.session.get(Registry, registry.code)
        if row is not None and row.agency_code != spec.code:
            raise ValidationFailedError(
                Text(
                    f"Registri {registry.code} sudah dipegang instansi {row.agency_code}",
                    f"Registry {registry.code} is already kept by {row.agency_code}",
                ),
                "registry.taken",
            )
        row = row or Registry(code=registry.code, agency_code=spec.code)
        row.spec = registry.model_dump(mode="json")
        uow.session.add(row)


def _digest(spec: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()


def publish_standard(
    uow: UnitOfWork, standard: rules.ServiceStandard, actor: Actor = SYSTEM
) -> int:
    """Publish `standard` as a new version if it differs from the current one.

    Applications keep the version they were made under, so a new version never changes
    them. Returns the version now current.
    """
    with uow:
        version = _publish(uow, standard, actor, {standard.code})
        uow.commit()
    return version


def _publish(
    uow: UnitOfWork, standard: rules.ServiceStandard, actor: Actor, batch: set[str]
) -> int:
    agency = uow.session.execute(
        select(Agency).where(Agency.code == standard.agency)
    ).scalar_one_or_none()
    if agency is None:
        raise NotFoundError(
            Text(f"Instansi {standard.agency} tidak dikenal", f"Unknown agency {standard.agency}")
        )
    _check_units(uow, standard)
    _check_once_only(uow, standard, batch)
    spec = standard.model_dump(mode="json")
    digest = _digest(spec)
    service = uow.session.execute(
        select(Service).where(Service.code == standard.code)
    ).scalar_one_or_none()
    if service is not None:
        current = uow.session.execute(
            select(StandardVersion).where(
                StandardVersion.service_id == service.id,
                StandardVersion.version == service.current_version,
            )
        ).scalar_one()
        if current.digest == digest:
            return current.version
        number = service.current_version + 1
    else:
        service = Service(code=standard.code, agency_id=agency.id, current_version=1)
        uow.session.add(service)
        uow.session.flush()
        number = 1
    uow.session.add(
        StandardVersion(
            service_id=service.id, version=number, spec=spec, digest=digest, published_at=uow.now()
        )
    )
    service.current_version, service.agency_id = number, agency.id
    record_event(
        uow.session,
        ledger=agency.code,
        case_type="service",
        case_id=standard.code,
        activity="standard published",
        lifecycle="complete",
        actor=actor,
        at=uow.now(),
        payload={"version": number, "digest": digest},
    )
    return number


def _check_units(uow: UnitOfWork, standard: rules.ServiceStandard) -> None:
    known = set(
        uow.session.execute(
            select(Agency.code, Unit.code).join(Unit, Unit.agency_id == Agency.id)
        ).all()
    )
    errors = [
        FieldError(
            f"procedure[{i}].unit",
            "unit.unknown",
            Text(f"Unit {step.unit} tidak dikenal", f"Unknown unit {step.unit}"),
        )
        for i, step in enumerate(standard.procedure)
        if tuple(step.unit.split(".", 1)) not in known
    ]
    if errors:
        raise ValidationFailedError(
            Text(
                f"Standar {standard.code} menyebut unit yang tidak ada",
                f"Standard {standard.code} names units that do not exist",
            ),
            "invalid",
            errors,
        )


def _check_once_only(uow: UnitOfWork, standard: rules.ServiceStandard, batch: set[str]) -> None:
    """A once-only requirement names a registry that is kept and services that exist
    (already published, or published together with it)."""
    registries = set(uow.session.execute(select(Registry.code)).scalars())
    services = set(uow.session.execute(select(Service.code)).scalars()) | batch
    errors = []
    for i, req in enumerate(standard.requirements):
        if req.registry and req.registry not in registries:
            errors.append(
                FieldError(
                    f"requirements[{i}].registry",
                    "registry.unknown",
                    Text(
                        f"Registri {req.registry} tidak dikenal", f"Unknown registry {req.registry}"
                    ),
                )
            )
        errors += [
            FieldError(
                f"requirements[{i}].services",
                "service.unknown",
                Text(f"Layanan {code} tidak dikenal", f"Unknown service {code}"),
            )
            for code in req.services
            if code not in services
        ]
    if errors:
        raise ValidationFailedError(
            Text(
                f"Standar {standard.code} menyebut registri atau layanan yang tidak ada",
                f"Standard {standard.code} names registries or services that do not exist",
            ),
            "invalid",
            errors,
        )


def import_standards(uow: UnitOfWork, directory: Path, actor: Actor = SYSTEM) -> dict[str, int]:
    """Load every standard in `directory` and publish them all, or none if any is bad."""
    standards = rules.load_standards(directory)
    batch = {s.code for s in standards}
    with uow:
        versions = {s.code: _publish(uow, s, actor, batch) for s in standards}
        uow.commit()
    return versions


def import_demo_catalogue(db: Database) -> dict[str, int]:
    """The fictional regency's agencies and services shipped with Layan."""
    import_agencies(db.unit_of_work(), rules.load_agencies(rules.DEMO_DIR / "agencies.yaml"))
    return import_standards(db.unit_of_work(), rules.DEMO_DIR / "services")


def change_calendar_day(
    uow: UnitOfWork,
    *,
    day: date,
    kind: str,
    action: str,
    name: str = "",
    agency_code: str | None = None,
    actor: Actor = SYSTEM,
) -> None:
    """Add or remove a holiday, cuti bersama or closure; deadlines already set stay as set."""
    errors = []
    if kind not in DAY_KINDS:
        errors.append(
            FieldError(
                "kind",
                "kind.unknown",
                Text(
                    "Jenis hari harus holiday, collective_leave, atau closure",
                    "Kind must be holiday, collective_leave or closure",
                ),
            )
        )
    if action not in ("add", "remove"):
        errors.append(
            FieldError(
                "action",
                "action.unknown",
                Text("Aksi harus add atau remove", "Action must be add or remove"),
            )
        )
    if errors:
        raise ValidationFailedError(
            Text("Perubahan kalender tidak sah", "Invalid calendar change"), "invalid", errors
        )
    with uow:
        uow.session.add(
            CalendarDay(
                agency_code=agency_code,
                day=day,
                kind=kind,
                action=action,
                name=name,
                recorded_at=uow.now(),
                recorded_by=actor.resource,
            )
        )
        record_event(
            uow.session,
            ledger=ensure_ledger(uow, agency_code or "PLATFORM"),
            case_type="calendar",
            case_id=str(day.year),
            activity=f"calendar day {action}ed",
            lifecycle="complete",
            actor=actor,
            at=uow.now(),
            payload={"day": day.isoformat(), "kind": kind, "name": name},
        )
        uow.commit()


def ensure_ledger(uow: UnitOfWork, code: str) -> str:
    """Open a ledger if it has none yet; acts of no agency go to the PLATFORM ledger."""
    if uow.session.get(Ledger, code) is None:
        uow.session.add(Ledger(agency=code))
        uow.session.flush()
    return code
