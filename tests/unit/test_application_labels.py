"""The labels a page shows for a standard's fields and documents, by code."""

from __future__ import annotations

from layan.applications import rules
from layan.catalogue.rules import load_demo


def test_labels_name_every_requirement_form_field_and_document_slot_of_a_standard() -> None:
    _agencies, standards = load_demo()
    for standard in standards:
        labels = rules.labels(standard)
        for f in standard.form:
            if f.code not in {s.code for s in standard.document_slots()}:
                assert labels[f.code] == f.label
        for slot in standard.document_slots():
            assert labels[slot.code] == slot.label
        for req in standard.requirements:
            assert labels[req.code] == req.name
        assert set(labels) == {f.code for f in standard.form} | {
            s.code for s in standard.document_slots()
        } | {r.code for r in standard.requirements}
