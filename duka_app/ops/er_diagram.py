"""The entity-relationship diagram of the store's models, drawn from Django's model meta into one HTML page.

The page is self-contained (inline CSS and SVG, no script, font or image from anywhere) and
deterministic (same models, same bytes), so the committed ER.html can be compared with a fresh one.
Models of other apps (Django's auth) appear only as the targets of relations, with their key alone.
"""

from dataclasses import dataclass
from html import escape

from django.apps import apps
from django.db import models

APP_LABELS = ("core", "accounts", "store", "payments", "pricing", "fulfilment")

FONT_SIZE = 12
CHAR_WIDTH = 7.4  # a 12px monospace glyph, rounded up so text never overflows its box
ROW_HEIGHT = 18
HEADER_HEIGHT = 26
PADDING = 8
COLUMN_GAP = 130
ROW_GAP = 36
MAX_COLUMN_HEIGHT = 820
MARGIN = 24

KIND_STYLE = {
    # kind: (colour, dash pattern, marker at the source end, marker at the target end)
    "one-to-one": ("#059669", "", "one", "one"),
    "many-to-one": ("#2563eb", "", "many", "one"),
    "many-to-many": ("#9333ea", "6 4", "many", "many"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    is_null: bool
    markers: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    label: str
    db_table: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...]
    is_external: bool


@dataclass(frozen=True)
class Relation:
    source: str
    field: str
    kind: str
    target: str
    on_delete: str


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _type_of(field: models.Field) -> str:
    if field.is_relation:
        return f"{field.get_internal_type()} → {_label(field.related_model)}"
    internal = field.get_internal_type()
    if isinstance(field, models.DecimalField):
        return f"{internal}({field.max_digits},{field.decimal_places})"
    if getattr(field, "max_length", None) and not isinstance(field, models.GenericIPAddressField):
        return f"{internal}({field.max_length})"
    return internal


def _markers(field: models.Field) -> tuple[str, ...]:
    markers = []
    if field.primary_key:
        markers.append("PK")
    if field.many_to_one or field.one_to_one:
        markers.append("FK")
    if field.many_to_many:
        markers.append("M2M")
    if field.unique and not field.primary_key:
        markers.append("UQ")
    if field.db_index and not field.unique and not field.many_to_many:
        markers.append("IX")
    return tuple(markers)


def _q_text(node) -> str:
    if isinstance(node, models.Q):
        text = f" {node.connector} ".join(_q_text(child) for child in node.children)
        text = f"({text})" if len(node.children) > 1 else text
        return f"NOT {text}" if node.negated else text
    if isinstance(node, tuple):
        lookup, value = node
        return f"{lookup} {_q_text(value)}"
    if isinstance(node, models.F):
        return node.name
    return repr(node)


def _constraint_text(constraint) -> str:
    if isinstance(constraint, models.UniqueConstraint):
        parts = list(constraint.fields) or [str(expression) for expression in constraint.expressions]
        text = f"unique ({', '.join(parts)})"
        if constraint.condition is not None:
            text += f" where {_q_text(constraint.condition)}"
    elif isinstance(constraint, models.CheckConstraint):
        text = f"check {_q_text(constraint.condition)}"
    else:
        text = type(constraint).__name__
    return f"{constraint.name}: {text}"


def _forward_fields(model: type[models.Model]) -> list[models.Field]:
    """Columns and many-to-many fields declared on the model (its own or inherited), not reverse relations."""
    return [field for field in model._meta.get_fields() if not field.auto_created or field.concrete]


def collect(app_labels: tuple[str, ...] = APP_LABELS) -> tuple[list[Table], list[Relation]]:
    own_models = [model for label in app_labels for model in apps.get_app_config(label).get_models()]
    tables, relations, external_models = [], [], {}
    for model in own_models:
        fields = _forward_fields(model)
        columns = tuple(Column(field.name, _type_of(field), bool(field.null), _markers(field)) for field in fields)
        constraints = tuple(sorted(_constraint_text(constraint) for constraint in model._meta.constraints))
        tables.append(Table(_label(model), model._meta.db_table, columns, constraints, is_external=False))
        for field in fields:
            if not field.is_relation:
                continue
            kind = "many-to-many" if field.many_to_many else "one-to-one" if field.one_to_one else "many-to-one"
            on_delete = "" if field.many_to_many else field.remote_field.on_delete.__name__
            relations.append(Relation(_label(model), field.name, kind, _label(field.related_model), on_delete))
            if field.related_model not in own_models:
                external_models[_label(field.related_model)] = field.related_model
    for label, model in sorted(external_models.items()):
        pk = model._meta.pk
        columns = (Column(pk.name, _type_of(pk), False, ("PK",)),)
        tables.append(Table(label, model._meta.db_table, columns, (), is_external=True))
    return tables, sorted(relations, key=lambda relation: (relation.source, relation.field))


@dataclass
class _Box:
    table: Table
    x: float
    y: float
    width: float
    height: float
    column: int

    def row_y(self, index: int) -> float:
        return self.y + HEADER_HEIGHT + ROW_HEIGHT * index + ROW_HEIGHT / 2


def _box_width(table: Table) -> float:
    name_chars = max(len(column.name) for column in table.columns)
    type_chars = max(len(column.type) for column in table.columns)
    row_chars = 5 + 1 + name_chars + 2 + type_chars + 2 + 4
    header_chars = len(table.label) + 2 + len(table.db_table)
    return round(PADDING * 2 + CHAR_WIDTH * max(row_chars, header_chars), 1)


def _layout(tables: list[Table]) -> dict[str, _Box]:
    """Columns by app in APP_LABELS order (external models beside the app that points at them), a column
    wrapping when it grows past MAX_COLUMN_HEIGHT; boxes keep the models' definition order."""
    groups: dict[str, list[Table]] = {label: [] for label in APP_LABELS}
    for table in tables:
        group = table.label.split(".")[0]
        groups.setdefault("accounts" if table.is_external else group, []).append(table)
    columns: list[list[Table]] = []
    for group_tables in groups.values():
        current: list[Table] = []
        height = 0.0
        for table in group_tables:
            table_height = HEADER_HEIGHT + ROW_HEIGHT * len(table.columns)
            if current and height + table_height > MAX_COLUMN_HEIGHT:
                columns.append(current)
                current, height = [], 0.0
            current.append(table)
            height += table_height + ROW_GAP
        if current:
            columns.append(current)
    boxes, x = {}, float(MARGIN)
    for index, column in enumerate(columns):
        width = max(_box_width(table) for table in column)
        y = float(MARGIN)
        for table in column:
            height = HEADER_HEIGHT + ROW_HEIGHT * len(table.columns)
            boxes[table.label] = _Box(table, x, y, width, height, index)
            y += height + ROW_GAP
        x += width + COLUMN_GAP
    return boxes


def _edge_path(source: _Box, row: int, target: _Box, lane: int) -> str:
    sy, ty = source.row_y(row), target.y + HEADER_HEIGHT / 2
    if source.column == target.column:
        sx, tx = source.x + source.width, target.x + target.width
        bulge = 40 + 14 * lane
        return f"M {sx:.1f} {sy:.1f} C {sx + bulge:.1f} {sy:.1f}, {tx + bulge:.1f} {ty:.1f}, {tx:.1f} {ty:.1f}"
    rightwards = target.column > source.column
    sx = source.x + source.width if rightwards else source.x
    tx = target.x if rightwards else target.x + target.width
    pull = max(50.0, abs(tx - sx) / 2) * (1 if rightwards else -1)
    return f"M {sx:.1f} {sy:.1f} C {sx + pull:.1f} {sy:.1f}, {tx - pull:.1f} {ty:.1f}, {tx:.1f} {ty:.1f}"


def _svg(tables: list[Table], relations: list[Relation]) -> str:
    boxes = _layout(tables)
    width = max(box.x + box.width for box in boxes.values()) + MARGIN + 120
    height = max(box.y + box.height for box in boxes.values()) + MARGIN
    parts = [
        f'<svg class="diagram" width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'role="img" aria-label="Entity-relationship diagram">',
        "<defs>",
    ]
    for kind, (colour, _dash, _start, _end) in KIND_STYLE.items():
        slug = kind.replace("-", "")
        parts.append(
            f'<marker id="one-{slug}" viewBox="0 0 12 12" refX="11" refY="6" markerWidth="12" markerHeight="12" '
            f'orient="auto-start-reverse"><path d="M 7 1 L 7 11" stroke="{colour}" stroke-width="1.6"/></marker>'
        )
        parts.append(
            f'<marker id="many-{slug}" viewBox="0 0 12 12" refX="11" refY="6" markerWidth="12" markerHeight="12" '
            f'orient="auto-start-reverse"><path d="M 1 6 L 11 1 M 1 6 L 11 6 M 1 6 L 11 11" stroke="{colour}" '
            'stroke-width="1.4" fill="none"/></marker>'
        )
    parts.append("</defs>")
    lanes: dict[int, int] = {}
    for relation in relations:
        source, target = boxes[relation.source], boxes[relation.target]
        row = next(index for index, column in enumerate(source.table.columns) if column.name == relation.field)
        lane = 0
        if source.column == target.column:
            lane = lanes.get(source.column, 0)
            lanes[source.column] = lane + 1
        colour, dash, start, end = KIND_STYLE[relation.kind]
        slug = relation.kind.replace("-", "")
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        title = f"{relation.source}.{relation.field} → {relation.target} ({relation.kind}"
        title += f", on delete {relation.on_delete})" if relation.on_delete else ")"
        parts.append(
            f'<path class="edge" d="{_edge_path(source, row, target, lane)}" stroke="{colour}"{dash_attribute} '
            f'marker-start="url(#{start}-{slug})" marker-end="url(#{end}-{slug})"><title>{escape(title)}</title></path>'
        )
    for box in boxes.values():
        parts.append(_svg_box(box))
    parts.append("</svg>")
    return "\n".join(parts)


def _svg_box(box: _Box) -> str:
    table = box.table
    name_chars = max(len(column.name) for column in table.columns)
    type_chars = max(len(column.type) for column in table.columns)
    name_x = box.x + PADDING + CHAR_WIDTH * 6
    type_x = name_x + CHAR_WIDTH * (name_chars + 2)
    null_x = type_x + CHAR_WIDTH * (type_chars + 2)
    css_class = "table external" if table.is_external else f"table app-{table.label.split('.')[0]}"
    parts = [
        f'<g class="{css_class}" id="table-{escape(table.label)}">',
        f'<rect class="box" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="5"/>',
        f'<rect class="head" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{HEADER_HEIGHT}" rx="5"/>',
        f'<text class="title" x="{box.x + PADDING:.1f}" y="{box.y + HEADER_HEIGHT / 2 + 4:.1f}">{escape(table.label)}'
        f'<tspan class="db-table" dx="{CHAR_WIDTH * 2:.1f}">{escape(table.db_table)}</tspan></text>',
    ]
    for index, column in enumerate(table.columns):
        y = box.row_y(index) + 4
        if index % 2:
            row_top = box.y + HEADER_HEIGHT + ROW_HEIGHT * index
            parts.append(
                f'<rect class="stripe" x="{box.x + 1:.1f}" y="{row_top:.1f}" width="{box.width - 2:.1f}" '
                f'height="{ROW_HEIGHT}"/>'
            )
        key_class = "key" if {"PK", "FK"} & set(column.markers) else "plain"
        parts.append(
            f'<text class="markers" x="{box.x + PADDING:.1f}" y="{y:.1f}">{" ".join(column.markers)}</text>'
            f'<text class="name {key_class}" x="{name_x:.1f}" y="{y:.1f}">{escape(column.name)}</text>'
            f'<text class="type" x="{type_x:.1f}" y="{y:.1f}">{escape(column.type)}</text>'
            + (f'<text class="null" x="{null_x:.1f}" y="{y:.1f}">null</text>' if column.is_null else "")
        )
    parts.append("</g>")
    return "\n".join(parts)


_CSS = f"""
body {{ font-family: system-ui, sans-serif; margin: 24px; color: #111827; background: #ffffff; }}
h1 {{ font-size: 22px; margin: 0 0 4px; }}
h2 {{ font-size: 17px; margin: 28px 0 8px; }}
p, li {{ font-size: 14px; color: #374151; }}
.legend span {{ display: inline-block; margin-right: 18px; font-size: 13px; }}
.legend i {{ display: inline-block; width: 28px; height: 0; border-top: 2px solid; vertical-align: middle;
  margin-right: 6px; }}
.scroll {{ overflow: auto; border: 1px solid #e5e7eb; border-radius: 6px; background: #f9fafb; }}
svg text {{ font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: {FONT_SIZE}px; fill: #111827; }}
svg .box {{ fill: #ffffff; stroke: #9ca3af; }}
svg .head {{ fill: #1f2937; }}
svg .app-core .head {{ fill: #7c2d12; }}
svg .app-store .head {{ fill: #1e3a8a; }}
svg .app-accounts .head {{ fill: #065f46; }}
svg .app-payments .head {{ fill: #5b21b6; }}
svg .external .head {{ fill: #6b7280; }}
svg .external .box {{ stroke-dasharray: 4 3; }}
svg .title {{ fill: #ffffff; font-weight: bold; }}
svg .db-table {{ fill: #d1d5db; font-weight: normal; }}
svg .stripe {{ fill: #f3f4f6; }}
svg .markers {{ fill: #b45309; font-weight: bold; }}
svg .key {{ font-weight: bold; }}
svg .type {{ fill: #4b5563; }}
svg .null {{ fill: #9ca3af; font-style: italic; }}
svg .edge {{ fill: none; stroke-width: 1.6; }}
svg .edge:hover {{ stroke-width: 3; }}
table.list {{ border-collapse: collapse; font-size: 13px; }}
table.list th, table.list td {{ border: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; }}
table.list th {{ background: #f3f4f6; }}
code {{ font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }}
"""


def render_html(tables: list[Table], relations: list[Relation]) -> str:
    relation_rows = "\n".join(
        f"<tr><td><code>{escape(r.source)}.{escape(r.field)}</code></td><td>{r.kind}</td>"
        f"<td><code>{escape(r.target)}</code></td><td>{escape(r.on_delete)}</td></tr>"
        for r in relations
    )
    constraint_items = "\n".join(
        f"<li><code>{escape(table.label)}</code> {escape(constraint)}</li>"
        for table in tables
        for constraint in table.constraints
    )
    legend = "".join(
        f'<span><i style="border-top-color: {colour};{" border-top-style: dashed;" if dash else ""}"></i>{kind}</span>'
        for kind, (colour, dash, _start, _end) in KIND_STYLE.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Duka data model</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Duka data model</h1>
<p>Every model of the apps {", ".join(f"<code>{label}</code>" for label in APP_LABELS)}, drawn from the model
definitions. Generated by <code>python manage.py er_diagram</code>; do not edit by hand.
Markers: <b>PK</b> primary key, <b>FK</b> foreign key, <b>M2M</b> many-to-many, <b>UQ</b> unique,
<b>IX</b> indexed; <i>null</i> marks nullable columns. Grey dashed boxes are Django models shown only as
targets of relations. A bar marks the "one" end of a relation, a crow's foot the "many" end.</p>
<p class="legend">{legend}</p>
<div class="scroll">
{_svg(tables, relations)}
</div>
<h2>Relations</h2>
<table class="list">
<tr><th>field</th><th>kind</th><th>target</th><th>on delete</th></tr>
{relation_rows}
</table>
<h2>Constraints</h2>
<ul>
{constraint_items}
</ul>
</body>
</html>
"""


def er_diagram_render() -> str:
    tables, relations = collect()
    return render_html(tables, relations)
