#!/usr/bin/env python3
"""Estimates the largest legitimate response of each operation.

Run after `cargo xtask bundle` (which writes target/openapi.bundled.json):

    python3 scripts/page-sizes.py [target/openapi.bundled.json] [--nested N]

Each 200 JSON response is filled the way a big but real answer would be:
every property set, down to a depth of 10 (a recursive schema stops
there); a page's `data` with as many items as its `limit` allows (100
where the description gives no maximum); every nested array and map with
`--nested` entries (default 10); strings as long as their format makes
them (36 for a uuid) or 24 characters. The figure is the compact JSON
size. RELIABILITY.md chooses the default body cap from the largest.
"""
import json
import sys

argv = sys.argv[1:]
NESTED = 10
if "--nested" in argv:
    at = argv.index("--nested")
    NESTED = int(argv[at + 1])
    del argv[at:at + 2]
path = argv[0] if argv else "target/openapi.bundled.json"
spec = json.load(open(path))


def resolve(s):
    seen = 0
    while isinstance(s, dict) and "$ref" in s and seen < 50:
        node = spec
        for part in s["$ref"].lstrip("#/").split("/"):
            node = node[part]
        s = node
        seen += 1
    return s


def merged(s):
    s = resolve(s)
    if "allOf" in s:
        out = {"type": "object", "properties": {}}
        for part in s["allOf"]:
            part = merged(part)
            out["properties"].update(part.get("properties", {}))
        return out
    return s


def fill(s, depth, items=None):
    s = merged(s)
    if depth > 10:
        return None
    for key in ("oneOf", "anyOf"):
        if key in s:
            # The biggest alternative: a real answer may be any of them.
            return max((fill(o, depth + 1) for o in s[key]), key=lambda v: len(json.dumps(v)))
    if "enum" in s:
        return max(s["enum"], key=lambda v: len(json.dumps(v)))
    kind = s.get("type")
    if kind is None:
        kind = "object" if "properties" in s or "additionalProperties" in s else (
            "array" if "items" in s else "string")
    if kind == "string":
        return {"uuid": "0" * 36, "date-time": "2024-01-01T00:00:00.000Z", "date": "2024-01-01"}.get(
            s.get("format"), "x" * 24)
    if kind in ("integer", "number"):
        return 1234567.891 if kind == "number" else 1234567
    if kind == "boolean":
        return False
    if kind == "array":
        n = items if items is not None else min(NESTED, s.get("maxItems", NESTED))
        return [fill(s.get("items", {}), depth + 1)] * n
    out = {name: fill(p, depth + 1) for name, p in s.get("properties", {}).items()}
    extra = s.get("additionalProperties")
    if isinstance(extra, dict):
        for i in range(NESTED):
            out[f"key{i}"] = fill(extra, depth + 1)
    return out


rows = []
for route, methods in spec["paths"].items():
    for method, op in methods.items():
        if not isinstance(op, dict) or "responses" not in op:
            continue
        content = op["responses"].get("200", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        if schema is None:
            continue
        params = [resolve(p) for p in op.get("parameters", [])]
        body = merged(op.get("requestBody", {}).get("content", {}).get(
            "application/json", {}).get("schema", {}))
        limits = [p.get("schema", {}) for p in params if p.get("name") == "limit"]
        limits += [resolve(body.get("properties", {})["limit"])] if "limit" in body.get("properties", {}) else []
        limit = max((l.get("maximum", 100) for l in limits), default=None)
        top = merged(schema)
        data = top.get("properties", {}).get("data")
        value = {}
        for name, p in top.get("properties", {}).items():
            is_page = name == "data" and merged(p).get("type") == "array" and limit
            value[name] = fill(p, 1, items=limit if is_page else None)
        if not top.get("properties"):
            value = fill(top, 0)
        size = len(json.dumps(value, separators=(",", ":")))
        rows.append((size, method.upper(), route, limit))

rows.sort(reverse=True)
print(f"{'bytes':>12}  limit  operation")
for size, method, route, limit in rows[:15]:
    print(f"{size:>12,}  {str(limit or '-'):>5}  {method} {route}")
print(f"{len(rows)} operations; median {sorted(r[0] for r in rows)[len(rows) // 2]:,} bytes")
