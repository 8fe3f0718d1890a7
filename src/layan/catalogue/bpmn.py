"""Export a service's procedure as BPMN 2.0 XML, with a diagram modelers can draw.

One pool for the service with a lane per owning unit; a user task per step (its SLA as
documentation); a parallel gateway pair around each parallel group; an exclusive gateway
pair around each conditional step, whose default flow skips it. The layout is a simple
left-to-right grid, enough for bpmn.io or Camunda Modeler to open and tidy up.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from layan.catalogue.standard import ServiceStandard, Step

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
LAYAN = "urn:layan:bpmn:1"  # extension attributes: the step's unit, role and SLA in hours

for _prefix, _uri in {
    "bpmn": BPMN,
    "bpmndi": BPMNDI,
    "dc": DC,
    "di": DI,
    "xsi": XSI,
    "layan": LAYAN,
}.items():
    ET.register_namespace(_prefix, _uri)

# Grid: columns left to right, rows of a lane top to bottom.
POOL_HEADER = 30
LEFT = 80
COL_W = 140
ROW_H = 120
SIZES = {
    "startEvent": (36, 36),
    "endEvent": (36, 36),
    "userTask": (100, 80),
    "parallelGateway": (50, 50),
    "exclusiveGateway": (50, 50),
}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _ncname(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


@dataclass
class _Node:
    id: str
    kind: str
    lane: str
    col: int
    row: int
    element: ET.Element
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)


@dataclass
class _Flow:
    id: str
    source: str
    target: str
    skip: bool = False  # a default flow that bypasses a conditional step


class _Builder:
    def __init__(self, standard: ServiceStandard) -> None:
        self.standard = standard
        self.process = ET.Element(
            _q(BPMN, "process"),
            id=_ncname(f"Process_{standard.code}"),
            name=standard.name.id,
            isExecutable="false",
        )
        self.lane_set = ET.SubElement(self.process, _q(BPMN, "laneSet"), id="LaneSet_1")
        self.nodes: dict[str, _Node] = {}
        self.flows: list[_Flow] = []
        self.rows: dict[str, int] = {}  # rows used per lane

    def node(self, kind: str, id_: str, lane: str, col: int, row: int = 0, **attrs: str) -> str:
        element = ET.SubElement(self.process, _q(BPMN, kind), id=id_, **attrs)
        self.nodes[id_] = _Node(id_, kind, lane, col, row, element)
        self.rows[lane] = max(self.rows.get(lane, 1), row + 1)
        return id_

    def flow(self, source: str, target: str, *, name: str = "", skip: bool = False) -> ET.Element:
        flow_id = f"Flow_{len(self.flows) + 1}"
        attrs = {"id": flow_id, "sourceRef": source, "targetRef": target}
        if name:
            attrs["name"] = name
        element = ET.SubElement(self.process, _q(BPMN, "sequenceFlow"), attrs)
        self.flows.append(_Flow(flow_id, source, target, skip))
        self.nodes[source].outgoing.append(flow_id)
        self.nodes[target].incoming.append(flow_id)
        return element

    def task(self, step: Step, col: int, row: int) -> str:
        task_id = self.node(
            "userTask",
            _ncname(f"Task_{step.code}"),
            step.unit,
            col,
            row,
            name=step.name.id,
            **{
                _q(LAYAN, "unit"): step.unit,
                _q(LAYAN, "role"): step.role,
                _q(LAYAN, "slaHours"): str(step.sla.working_hours),
            },
        )
        doc = ET.SubElement(self.nodes[task_id].element, _q(BPMN, "documentation"))
        doc.text = f"SLA: {step.sla.text.id} ({step.sla.text.en})"
        return task_id

    def block(self, step: Step, col: int, row: int) -> tuple[str, str, int]:
        """A step as (entry, exit, columns used): a task, or a task between XOR gateways."""
        if step.condition is None:
            task_id = self.task(step, col, row)
            return task_id, task_id, 1
        split = self.node(
            "exclusiveGateway",
            _ncname(f"Split_{step.code}"),
            step.unit,
            col,
            row,
            name=f"{step.name.id}?",
            gatewayDirection="Diverging",
        )
        task_id = self.task(step, col + 1, row)
        merge = self.node(
            "exclusiveGateway", _ncname(f"Merge_{step.code}"), step.unit, col + 2, row,
            gatewayDirection="Converging",
        )  # fmt: skip
        condition = step.condition.describe()
        taken = self.flow(split, task_id, name=condition)
        expression = ET.SubElement(
            taken, _q(BPMN, "conditionExpression"), {_q(XSI, "type"): "bpmn:tFormalExpression"}
        )
        expression.text = condition
        skip = self.flow(split, merge, name="selain itu", skip=True)
        self.nodes[split].element.set("default", skip.get("id", ""))
        self.flow(task_id, merge)
        return split, merge, 3

    def stage(self, index: int, stage: list[Step], col: int) -> tuple[str, str, int]:
        if len(stage) == 1:
            return self.block(stage[0], col, 0)
        lane = stage[0].unit
        fork = self.node(
            "parallelGateway", f"Fork_{index}", lane, col, gatewayDirection="Diverging"
        )
        used: dict[str, int] = {}
        ends: list[str] = []
        width = 1
        for step in stage:
            row = used.get(step.unit, 0)
            used[step.unit] = row + 1
            entry, exit_, cols = self.block(step, col + 1, row)
            self.flow(fork, entry)
            ends.append(exit_)
            width = max(width, cols)
        join = self.node(
            "parallelGateway", f"Join_{index}", lane, col + 1 + width,
            gatewayDirection="Converging",
        )  # fmt: skip
        for exit_ in ends:
            self.flow(exit_, join)
        return fork, join, width + 2

    def build(self) -> int:
        """Lay out the procedure; returns the number of columns used."""
        previous = self.node(
            "startEvent", "Start", self.standard.procedure[0].unit, 0, name="Mulai"
        )
        col = 1
        for index, stage in enumerate(self.standard.groups(), start=1):
            entry, exit_, cols = self.stage(index, stage, col)
            self.flow(previous, entry)
            previous, col = exit_, col + cols
        end = self.node("endEvent", "End", self.standard.procedure[-1].unit, col, name="Selesai")
        self.flow(previous, end)
        for node in self.nodes.values():
            for flow_id in node.incoming:
                ET.SubElement(node.element, _q(BPMN, "incoming")).text = flow_id
            for flow_id in node.outgoing:
                ET.SubElement(node.element, _q(BPMN, "outgoing")).text = flow_id
        return col + 1


class _Diagram:
    """BPMNDI: shapes for the pool, lanes and nodes; edges for the flows."""

    def __init__(self, builder: _Builder, lanes: list[tuple[str, str, str]], cols: int) -> None:
        self.builder = builder
        self.lanes = lanes  # (unit, lane id, name)
        self.width = POOL_HEADER + LEFT + cols * COL_W
        self.top: dict[str, int] = {}
        y = 0
        for unit, _, _ in lanes:
            self.top[unit] = y
            y += builder.rows.get(unit, 1) * ROW_H
        self.height = y

    def center(self, node: _Node) -> tuple[float, float]:
        x = POOL_HEADER + LEFT + node.col * COL_W + COL_W / 2
        y = self.top[node.lane] + node.row * ROW_H + ROW_H / 2
        return x, y

    def draw(self, parent: ET.Element, collaboration_id: str, participant_id: str) -> None:
        diagram = ET.SubElement(parent, _q(BPMNDI, "BPMNDiagram"), id="Diagram_1")
        plane = ET.SubElement(
            diagram, _q(BPMNDI, "BPMNPlane"), id="Plane_1", bpmnElement=collaboration_id
        )
        self.shape(plane, participant_id, 0, 0, self.width, self.height, horizontal=True)
        for unit, lane_id, _ in self.lanes:
            lane_h = self.builder.rows.get(unit, 1) * ROW_H
            width = self.width - POOL_HEADER
            self.shape(plane, lane_id, POOL_HEADER, self.top[unit], width, lane_h, horizontal=True)
        for node in self.builder.nodes.values():
            w, h = SIZES[node.kind]
            x, y = self.center(node)
            marker = node.kind == "exclusiveGateway"
            self.shape(plane, node.id, x - w / 2, y - h / 2, w, h, marker=marker)
        for flow in self.builder.flows:
            self.edge(plane, flow)

    @staticmethod
    def shape(
        plane: ET.Element,
        element_id: str,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        horizontal: bool = False,
        marker: bool = False,
    ) -> None:
        attrs = {"id": f"{element_id}_di", "bpmnElement": element_id}
        if horizontal:
            attrs["isHorizontal"] = "true"
        if marker:
            attrs["isMarkerVisible"] = "true"
        shape = ET.SubElement(plane, _q(BPMNDI, "BPMNShape"), attrs)
        ET.SubElement(shape, _q(DC, "Bounds"), x=_n(x), y=_n(y), width=_n(w), height=_n(h))

    def edge(self, plane: ET.Element, flow: _Flow) -> None:
        source, target = self.builder.nodes[flow.source], self.builder.nodes[flow.target]
        (sx, sy), (tx, ty) = self.center(source), self.center(target)
        sw, sh = SIZES[source.kind]
        tw, th = SIZES[target.kind]
        if flow.skip:  # below the skipped task, from gateway bottom to gateway bottom
            low = sy + ROW_H / 2 - 8
            points = [(sx, sy + sh / 2), (sx, low), (tx, low), (tx, ty + th / 2)]
        elif sy == ty:
            points = [(sx + sw / 2, sy), (tx - tw / 2, ty)]
        else:
            mid = (sx + sw / 2 + tx - tw / 2) / 2
            points = [(sx + sw / 2, sy), (mid, sy), (mid, ty), (tx - tw / 2, ty)]
        edge = ET.SubElement(plane, _q(BPMNDI, "BPMNEdge"), id=f"{flow.id}_di", bpmnElement=flow.id)
        for x, y in points:
            ET.SubElement(edge, _q(DI, "waypoint"), x=_n(x), y=_n(y))


def _n(value: float) -> str:
    return str(int(round(value)))


def standard_to_bpmn(standard: ServiceStandard, unit_names: dict[str, str] | None = None) -> str:
    """The procedure of `standard` as a BPMN 2.0 document (XML text, UTF-8 declared).

    `unit_names` maps "AGENCY.UNIT" to the lane's display name; the code is used otherwise.
    """
    names = unit_names or {}
    root = ET.Element(
        _q(BPMN, "definitions"),
        id=_ncname(f"Definitions_{standard.code}"),
        targetNamespace=f"urn:layan:service:{standard.code}:{standard.version}",
        exporter="Layan",
        exporterVersion="1",
    )
    collaboration_id = "Collaboration_1"
    participant_id = _ncname(f"Participant_{standard.code}")
    collaboration = ET.SubElement(root, _q(BPMN, "collaboration"), id=collaboration_id)
    builder = _Builder(standard)
    ET.SubElement(
        collaboration,
        _q(BPMN, "participant"),
        id=participant_id,
        name=f"{standard.name.id} ({standard.agency})",
        processRef=builder.process.get("id", ""),
    )
    cols = builder.build()
    lanes = []
    for unit in standard.units():
        lane_id = _ncname(f"Lane_{unit}")
        lane = ET.SubElement(
            builder.lane_set, _q(BPMN, "lane"), id=lane_id, name=names.get(unit, unit)
        )
        for node in builder.nodes.values():
            if node.lane == unit:
                ET.SubElement(lane, _q(BPMN, "flowNodeRef")).text = node.id
        lanes.append((unit, lane_id, names.get(unit, unit)))
    root.append(builder.process)
    _Diagram(builder, lanes, cols).draw(root, collaboration_id, participant_id)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
