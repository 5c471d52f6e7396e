#!/usr/bin/env python3
"""check_openapi.py: openapi.yaml agrees with the route table and the config field table.

Usage: check_openapi.py OPENAPI_YAML ROUTES_C

Offline (python3 + PyYAML only). Checks that:
  - the document is OpenAPI 3.1 with info (title, version) and paths;
  - every route in server/routes/routes.c's table is documented with its method, and every
    documented operation is a route (a {path...} tail is documented as {path});
  - every operation has a 2xx response (a redirect: a 3xx), and every 4xx/5xx response is
    application/problem+json whose schema is Problem or built on it (allOf), or a
    choice (anyOf/oneOf) of such;
  - the Config schema matches core/config.c's glia_config_fields[] (found next to
    ROUTES_C as ../core/config.c): every field at its JSON pointer with its type, bounds,
    enum values and default, and no other scalar member.
Prints one line per problem and exits 1 if there is any.
"""
import os
import re
import sys

try:
    import yaml
except ImportError:  # dev.sh installs python3-yaml
    sys.exit("check_openapi: PyYAML is missing (Debian: apt-get install python3-yaml)")

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_TYPE = "application/problem+json"

problems = []


def fail(msg):
    problems.append(msg)


class StrictLoader(yaml.SafeLoader):
    """A YAML loader that reports a mapping key given twice (YAML forbids it; PyYAML
    would silently keep the last one, and other tools refuse the file)."""


def _mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            fail(f"line {key_node.start_mark.line + 1}: duplicated mapping key {key!r}")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def resolve(doc, node):
    """Follow local $refs until a node without one (None when a ref dangles)."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/") or ref in seen:
            return None
        seen.add(ref)
        node = doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
    return node


def is_problem_schema(doc, schema, depth=0):
    """Problem itself, a schema whose allOf includes a Problem schema, or a choice of them."""
    if depth > 20 or not isinstance(schema, dict):
        return False
    if schema.get("$ref") == PROBLEM_REF:
        return True
    if "$ref" in schema:
        return is_problem_schema(doc, resolve(doc, schema), depth + 1)
    if any(is_problem_schema(doc, s, depth + 1) for s in schema.get("allOf", [])):
        return True
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return all(is_problem_schema(doc, s, depth + 1) for s in schema[key])
    return False


def parse_routes(router_c):
    text = open(router_c, encoding="utf-8").read()
    # One row per route: {"METHOD", "/template", handler, prepare, flags}.
    routes = re.findall(r'\{\s*"([A-Z]+)"\s*,\s*"(/[^"]*)"\s*,\s*glia_handle_\w+\s*,', text)
    if not routes:
        sys.exit(f"check_openapi: no routes found in {router_c}: has the table's format changed?")
    return routes


def check_document(doc):
    if not isinstance(doc, dict):
        sys.exit("check_openapi: the document is not a mapping")
    if not str(doc.get("openapi", "")).startswith("3.1."):
        fail(f"openapi: want 3.1.x, found {doc.get('openapi')!r}")
    info = doc.get("info")
    if not isinstance(info, dict) or not info.get("title") or not info.get("version"):
        fail("info: needs title and version")
    if not isinstance(doc.get("paths"), dict) or not doc["paths"]:
        fail("paths: missing or empty")


def check_routes(doc, routes):
    paths = doc.get("paths") or {}
    wanted = set()
    for method, path in routes:
        # A {path...} tail (the rest of the path, slashes included) has no OpenAPI form: it
        # is documented as the parameter {path}, whose description says so.
        path = path.replace("{path...}", "{path}")
        wanted.add((method.lower(), path))
        item = paths.get(path)
        if not isinstance(item, dict):
            fail(f"{method} {path}: path missing from openapi.yaml")
        elif method.lower() not in item:
            fail(f"{method} {path}: method missing from openapi.yaml")
    for path, item in paths.items():
        for method in METHODS:
            if isinstance(item, dict) and method in item and (method, path) not in wanted:
                fail(f"{method.upper()} {path}: documented but not in the route table")
    return len(wanted)


def check_responses(doc):
    count = 0
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if not isinstance(op, dict):
                continue
            count += 1
            where = f"{method.upper()} {path}"
            responses = op.get("responses") or {}
            # (a redirect's answer is its 3xx: GET / and GET /ui)
            if not any(str(code)[0] in "23" for code in responses):
                fail(f"{where}: no 2xx (or 3xx redirect) response")
            for code, resp in responses.items():
                code = str(code)
                if not (code.startswith("4") or code.startswith("5")):
                    continue
                body = resolve(doc, resp)
                content = (body or {}).get("content") or {}
                media = content.get(PROBLEM_TYPE)
                if media is None:
                    fail(f"{where} {code}: not documented as {PROBLEM_TYPE}")
                elif not is_problem_schema(doc, media.get("schema")):
                    fail(f"{where} {code}: schema does not reference {PROBLEM_REF}")
    return count


# ---- Config schema vs core/config.c ------------------------------------------------------


def c_defines(header_text):
    return {m.group(1): m.group(2) for m in re.finditer(r"#define\s+(\w+)\s+(\d+)", header_text)}


def c_number(expr, defines):
    expr = re.sub(r"\b([A-Z_][A-Z0-9_]*)\b", lambda m: defines.get(m.group(1), m.group(1)), expr)
    if not re.fullmatch(r"[0-9eE.+\-*/ ()]+", expr):
        raise ValueError(expr)
    return float(eval(expr, {"__builtins__": {}}))  # digits and operators only


def split_args(args):
    """Split a macro's arguments at top-level commas, keeping strings whole."""
    out, cur, depth, quoted = [], "", 0, False
    for i, ch in enumerate(args):
        if ch == '"' and (i == 0 or args[i - 1] != "\\"):
            quoted = not quoted
        if not quoted:
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                out.append(cur.strip())
                cur = ""
                continue
        cur += ch
    out.append(cur.strip())
    return out


def parse_config_fields(config_c, config_h):
    text = open(config_c, encoding="utf-8").read()
    defines = c_defines(open(config_h, encoding="utf-8").read())
    names = {
        m.group(1): re.findall(r'"([^"]*)"', m.group(2))
        for m in re.finditer(r"static const char \*const (\w+)\[\]\s*=\s*\{([^}]*)\}", text)
    }
    table = text[text.index("glia_config_fields[] = {"):]
    table = table[: table.index("{NULL")]
    fields = []
    for m in re.finditer(r"F_(INT|DBL|BOOL|ENUM)\(", table):
        depth, i = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(table[i], 0)
            i += 1
        args = split_args(table[m.end(): i - 1])
        kind, pointer, member = m.group(1), args[0].strip('"'), args[1]
        field = {"pointer": pointer, "kind": kind, "member": member}
        if kind in ("INT", "DBL"):
            field["min"] = c_number(args[2], defines)
            field["max"] = c_number(args[3], defines)
        if kind == "ENUM":
            field["enum"] = names.get(args[2])
        fields.append(field)
    body = text[text.index("void glia_config_default"):]
    body = body[: body.index("\n}\n")]
    defaults = {m.group(1): m.group(2).strip() for m in re.finditer(r"cfg->([\w.]+)\s*=\s*([^;]+);", body)}
    for f in fields:
        f["default"] = defaults.get(f["member"])
    return fields


def enum_default(constant):
    """GLIA_RNG_MULBERRY32_JS -> mulberry32-js (the enum names follow the constants)."""
    return constant.split("_", 2)[2].lower().replace("_", "-")


def schema_at(doc, root, pointer):
    node = root
    for part in pointer.strip("/").split("/"):
        node = resolve(doc, node)
        props = (node or {}).get("properties") or {}
        if part not in props:
            return None
        node = props[part]
    return resolve(doc, node)


def scalar_leaves(doc, node, prefix, out):
    node = resolve(doc, node) or {}
    for name, sub in (node.get("properties") or {}).items():
        pointer = f"{prefix}/{name}"
        if pointer == "/task":
            continue  # the pattern list is the one non-scalar field
        sub = resolve(doc, sub) or {}
        if sub.get("type") == "object" or "properties" in sub:
            scalar_leaves(doc, sub, pointer, out)
        else:
            out.add(pointer)
    return out


def check_config(doc, config_c, config_h):
    root = ((doc.get("components") or {}).get("schemas") or {}).get("Config")
    if root is None:
        fail("components/schemas/Config: missing")
        return 0
    fields = parse_config_fields(config_c, config_h)
    if not fields:
        fail(f"{config_c}: no fields parsed from glia_config_fields[]")
        return 0
    want_type = {"INT": "integer", "DBL": "number", "BOOL": "boolean", "ENUM": "string"}
    for f in fields:
        where = f"Config {f['pointer']}"
        s = schema_at(doc, root, f["pointer"])
        if s is None:
            fail(f"{where}: missing from the Config schema")
            continue
        if s.get("type") != want_type[f["kind"]]:
            fail(f"{where}: type {s.get('type')!r}, config.c says {want_type[f['kind']]}")
        if f["kind"] in ("INT", "DBL"):
            for bound in ("min", "max"):
                key = "minimum" if bound == "min" else "maximum"
                if key not in s or float(s[key]) != f[bound]:
                    fail(f"{where}: {key} {s.get(key)!r}, config.c says {f[bound]:g}")
        if f["kind"] == "ENUM" and s.get("enum") != f["enum"]:
            fail(f"{where}: enum {s.get('enum')!r}, config.c says {f['enum']!r}")
        d = f["default"]
        if d is None:
            fail(f"{where}: no default found in glia_config_default()")
        elif "default" not in s:
            fail(f"{where}: no default documented")
        elif f["kind"] == "ENUM":
            if s["default"] != enum_default(d):
                fail(f"{where}: default {s['default']!r}, config.c says {enum_default(d)!r}")
        elif f["kind"] == "BOOL":
            if s["default"] is not bool(int(d)):
                fail(f"{where}: default {s['default']!r}, config.c says {bool(int(d))}")
        elif float(s["default"]) != float(d):
            fail(f"{where}: default {s['default']!r}, config.c says {d}")
    documented = scalar_leaves(doc, root, "", set())
    for extra in sorted(documented - {f["pointer"] for f in fields}):
        fail(f"Config {extra}: documented but not in glia_config_fields[]")
    return len(fields)


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__.split("\n\n")[1])
    spec_path, router_c = argv[1], argv[2]
    with open(spec_path, encoding="utf-8") as fh:
        doc = yaml.load(fh, Loader=StrictLoader)  # nosec: SafeLoader subclass
    check_document(doc)
    n_routes = check_routes(doc, parse_routes(router_c))
    n_ops = check_responses(doc)
    core = os.path.join(os.path.dirname(os.path.abspath(router_c)), "..", "..", "core")
    config_c, config_h = os.path.join(core, "config.c"), os.path.join(core, "config.h")
    n_fields = check_config(doc, config_c, config_h) if os.path.exists(config_c) else 0
    for p in problems:
        print(f"check_openapi: {p}")
    if problems:
        print(f"check_openapi: {len(problems)} problem(s) in {spec_path}")
        return 1
    print(f"check_openapi: ok: {n_routes} routes, {n_ops} operations, {n_fields} config fields")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
