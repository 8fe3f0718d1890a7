"""BPMN 2.0 export of a procedure: well-formed, complete, and drawable by modelers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from layan.catalogue.bpmn import standard_to_bpmn
from layan.catalogue.rules import ServiceStandard, load_demo

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
FLOW_NODES = ("startEvent", "endEvent", "userTask", "parallelGateway", "exclusiveGateway")
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

AGENCIES, STANDARDS = load_demo()
SERVICES = {s.code: s for s in STANDARDS}
UNIT_NAMES = {f"{a.code}.{u.code}": u.name.id for a in AGENCIES for u in a.units}


def parse(standard: ServiceStandard) -> ET.Element:
    return ET.fromstring(standard_to_bpmn(standard, UNIT_NAMES).encode("utf-8"))


def process_of(root: ET.Element) -> ET.Element:
    [process] = root.findall("bpmn:process", NS)
    return process


def nodes(root: ET.Element, kind: str) -> list[ET.Element]:
    return process_of(root).findall(f"bpmn:{kind}", NS)


def flows(root: ET.Element) -> list[ET.Element]:
    return process_of(root).findall("bpmn:sequenceFlow", NS)


def all_flow_nodes(root: ET.Element) -> list[ET.Element]:
    return [n for kind in FLOW_NODES for n in nodes(root, kind)]


@pytest.fixture(params=sorted(SERVICES), ids=str)
def standard(request) -> ServiceStandard:
    return SERVICES[request.param]


def test_the_export_is_a_bpmn_document_with_an_xml_declaration(standard):
    text = standard_to_bpmn(standard)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == f"{{{NS['bpmn']}}}definitions"
    assert root.get("targetNamespace") == f"urn:layan:service:{standard.code}:1"
    [participant] = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert participant.get("processRef") == process_of(root).get("id")


def test_there_is_one_user_task_per_step_named_in_indonesian_with_its_sla(standard):
    tasks = nodes(parse(standard), "userTask")
    assert [t.get("name") for t in tasks] == [s.name.id for s in standard.procedure]
    for task, step in zip(tasks, standard.procedure, strict=True):
        documentation = task.find("bpmn:documentation", NS)
        assert documentation is not None
        assert documentation.text == f"SLA: {step.sla.text.id} ({step.sla.text.en})"


def test_every_sequence_flow_joins_existing_flow_nodes(standard):
    root = parse(standard)
    ids = {n.get("id") for n in all_flow_nodes(root)}
    for flow in flows(root):
        assert flow.get("sourceRef") in ids
        assert flow.get("targetRef") in ids


def test_incoming_and_outgoing_references_match_the_flows(standard):
    root = parse(standard)
    for node in all_flow_nodes(root):
        incoming = [e.text for e in node.findall("bpmn:incoming", NS)]
        outgoing = [e.text for e in node.findall("bpmn:outgoing", NS)]
        node_id = node.get("id")
        assert incoming == [f.get("id") for f in flows(root) if f.get("targetRef") == node_id]
        assert outgoing == [f.get("id") for f in flows(root) if f.get("sourceRef") == node_id]


def test_every_flow_node_has_a_shape_and_every_flow_an_edge(standard):
    root = parse(standard)
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    for node in all_flow_nodes(root):
        bounds = shapes[node.get("id")].find("dc:Bounds", NS)
        assert bounds is not None
        assert int(bounds.get("width")) > 0
        assert int(bounds.get("height")) > 0
    for flow in flows(root):
        assert len(edges[flow.get("id")].findall("di:waypoint", NS)) >= 2
    [plane] = root.iter(f"{{{NS['bpmndi']}}}BPMNPlane")
    assert plane.get("bpmnElement") == root.find("bpmn:collaboration", NS).get("id")


def test_ids_are_unique_ncnames(standard):
    ids = [e.get("id") for e in parse(standard).iter() if e.get("id") is not None]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    assert all(NCNAME.match(i) for i in ids), [i for i in ids if not NCNAME.match(i)]


def test_each_owning_unit_has_one_lane_holding_its_steps(standard):
    root = parse(standard)
    lanes = process_of(root).findall("bpmn:laneSet/bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == [UNIT_NAMES[u] for u in standard.units()]
    refs = [ref.text for lane in lanes for ref in lane.findall("bpmn:flowNodeRef", NS)]
    assert sorted(refs) == sorted(n.get("id") for n in all_flow_nodes(root))
    by_lane = {
        lane.get("name"): {ref.text for ref in lane.findall("bpmn:flowNodeRef", NS)}
        for lane in lanes
    }
    for step in standard.procedure:
        assert f"Task_{step.code}" in by_lane[UNIT_NAMES[step.unit]]


def test_every_node_lies_on_a_path_from_start_to_end(standard):
    root = parse(standard)
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for flow in flows(root):
        forward.setdefault(flow.get("sourceRef"), set()).add(flow.get("targetRef"))
        backward.setdefault(flow.get("targetRef"), set()).add(flow.get("sourceRef"))

    def reach(start: str, edges: dict[str, set[str]]) -> set[str]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    ids = {n.get("id") for n in all_flow_nodes(root)}
    assert [n.get("id") for n in nodes(root, "startEvent")] == ["Start"]
    assert [n.get("id") for n in nodes(root, "endEvent")] == ["End"]
    assert reach("Start", forward) == ids
    assert reach("End", backward) == ids


def test_pbg_has_a_parallel_gateway_pair_around_its_review():
    root = parse(SERVICES["pbg"])
    gateways = {g.get("id"): g for g in nodes(root, "parallelGateway")}
    assert sorted(gateways) == ["Fork_2", "Join_2"]
    assert gateways["Fork_2"].get("gatewayDirection") == "Diverging"
    out_of_fork = {f.get("targetRef") for f in flows(root) if f.get("sourceRef") == "Fork_2"}
    into_join = {f.get("sourceRef") for f in flows(root) if f.get("targetRef") == "Join_2"}
    review = {"Task_konsultasi_teknis", "Task_kesesuaian_ruang"}
    assert out_of_fork == review
    assert into_join == review
    into_fork = [f.get("sourceRef") for f in flows(root) if f.get("targetRef") == "Fork_2"]
    assert into_fork == ["Task_verifikasi_berkas"]


def test_a_conditional_step_sits_between_exclusive_gateways_with_a_default_that_skips_it():
    root = parse(SERVICES["pbg"])
    gateways = {g.get("id"): g for g in nodes(root, "exclusiveGateway")}
    assert sorted(gateways) == ["Merge_inspeksi_lapangan", "Split_inspeksi_lapangan"]
    by_id = {f.get("id"): f for f in flows(root)}
    default = by_id[gateways["Split_inspeksi_lapangan"].get("default")]
    assert default.get("targetRef") == "Merge_inspeksi_lapangan"
    assert default.find("bpmn:conditionExpression", NS) is None
    [taken] = [
        f
        for f in flows(root)
        if f.get("sourceRef") == "Split_inspeksi_lapangan" and f is not default
    ]
    assert taken.get("targetRef") == "Task_inspeksi_lapangan"
    expression = taken.find("bpmn:conditionExpression", NS)
    assert expression is not None
    assert expression.text == "floor_area_m2 > 500"
    assert expression.get(XSI_TYPE) == "bpmn:tFormalExpression"
    assert [f.get("targetRef") for f in flows(root) if f.get("sourceRef") == "Join_2"] == [
        "Split_inspeksi_lapangan"
    ]


def test_a_membership_condition_is_written_out_in_the_expression():
    root = parse(SERVICES["izin-reklame"])
    expressions = [e.text for e in process_of(root).iter(f"{{{NS['bpmn']}}}conditionExpression")]
    assert expressions == ['ad_type in ("billboard", "videotron")']


def test_a_straight_procedure_has_no_gateways():
    root = parse(SERVICES["skck"])
    assert nodes(root, "parallelGateway") == []
    assert nodes(root, "exclusiveGateway") == []
    chain = [(f.get("sourceRef"), f.get("targetRef")) for f in flows(root)]
    assert chain == [
        ("Start", "Task_verifikasi_sidik_jari"),
        ("Task_verifikasi_sidik_jari", "Task_penelitian_catatan"),
        ("Task_penelitian_catatan", "Task_penandatanganan"),
        ("Task_penandatanganan", "End"),
    ]


def test_shapes_run_left_to_right_inside_their_lane():
    root = parse(SERVICES["pbg"])
    shapes = {
        s.get("bpmnElement"): s.find("dc:Bounds", NS)
        for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")
    }

    def x(element_id: str) -> int:
        return int(shapes[element_id].get("x"))

    order = ["Start", "Task_verifikasi_berkas", "Fork_2", "Task_konsultasi_teknis", "Join_2",
             "Split_inspeksi_lapangan", "Task_inspeksi_lapangan", "Merge_inspeksi_lapangan",
             "Task_penetapan_retribusi", "Task_penerbitan_pbg", "End"]  # fmt: skip
    assert [x(i) for i in order] == sorted(x(i) for i in order)
    for unit in SERVICES["pbg"].units():
        lane = shapes[f"Lane_{unit}"]
        top, height = int(lane.get("y")), int(lane.get("height"))
        for step in SERVICES["pbg"].procedure:
            if step.unit == unit:
                task = shapes[f"Task_{step.code}"]
                assert top <= int(task.get("y"))
                assert int(task.get("y")) + int(task.get("height")) <= top + height


def test_lanes_fall_back_to_unit_codes_without_names():
    root = ET.fromstring(standard_to_bpmn(SERVICES["pbg"]))
    lanes = process_of(root).findall("bpmn:laneSet/bpmn:lane", NS)
    assert [lane.get("name") for lane in lanes] == [
        "DPMPTSP.FO", "PUPR.TPT", "PUPR.TATA-RUANG", "BAPENDA.RETRIBUSI", "DPMPTSP.KADIS",
    ]  # fmt: skip
