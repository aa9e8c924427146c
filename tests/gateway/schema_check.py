"""Check a JSON value against an OpenAPI schema as FastAPI writes it, requiring every field to be documented."""

from __future__ import annotations


class Undocumented(AssertionError):
    pass


def check(schema: dict, value, components: dict, where: str = "value") -> None:
    """``value`` against an OpenAPI schema as FastAPI writes it; an object with listed properties must not
    carry a field it does not list (it would be undocumented)."""
    if schema is True:
        return  # Any (the values of a map of anything)
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in schema:
        problems = []
        for option in schema["anyOf"]:
            try:
                check(option, value, components, where)
                return
            except Undocumented as exc:
                problems.append(str(exc))
        raise Undocumented(f"{where}: {value!r:.80} matches none of {len(problems)} options: {problems}")
    kind = schema.get("type")
    if kind is None:
        return  # Any
    expected = {"integer": int, "string": str, "boolean": bool, "null": type(None), "array": list, "object": dict,
                "number": (int, float)}[kind]
    if not isinstance(value, expected) or (kind in ("integer", "number") and isinstance(value, bool)):
        raise Undocumented(f"{where}: {value!r:.80} is not of type {kind}")
    if kind == "array":
        if "prefixItems" in schema:
            if len(value) != len(schema["prefixItems"]):
                raise Undocumented(f"{where}: {len(value)} items, documented {len(schema['prefixItems'])}")
            for index, (item, item_schema) in enumerate(zip(value, schema["prefixItems"])):
                check(item_schema, item, components, f"{where}[{index}]")
        else:
            for index, item in enumerate(value):
                check(schema.get("items", {}), item, components, f"{where}[{index}]")
    if kind == "object":
        properties = schema.get("properties")
        if properties is None:  # a map: every value of the documented type
            for key, item in value.items():
                check(schema.get("additionalProperties") or {}, item, components, f"{where}.{key}")
            return
        missing = set(schema.get("required", ())) - set(value)
        extra = set(value) - set(properties)
        if missing or extra:
            raise Undocumented(f"{where}: fields missing {sorted(missing)}, undocumented {sorted(extra)}")
        for key, item in value.items():
            check(properties[key], item, components, f"{where}.{key}")
