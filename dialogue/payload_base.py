"""The machinery under the payload models of :mod:`dialogue.payloads`: the base model that
refuses unknown keys, and fields that are left out when they have no value (never ``null``)."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

T = TypeVar("T")


class _OmittedWhenNone:
    """Marks a field that is left out of the payload when it has no value (never ``null``)."""

    def __repr__(self) -> str:
        return "OMITTED_WHEN_NONE"


OMITTED_WHEN_NONE = _OmittedWhenNone()
#: A field present only in some payloads: absent when ``None``, never sent as ``null``.
Omittable = Annotated[Union[T, None], OMITTED_WHEN_NONE]  # noqa: UP007 (a TypeVar alias)


def given(**fields: Any) -> dict[str, Any]:
    """The :data:`Omittable` fields that have a value, for a builder to pass on
    (``ProductsPayload(products=cards, **given(search=search))``): ``None`` is left out."""
    return {name: value for name, value in fields.items() if value is not None}


@cache
def _omitted_fields(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(name for name, info in model.model_fields.items()
                     if any(m is OMITTED_WHEN_NONE for m in info.metadata))


def _tighten_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """``type`` is required; an omittable field is optional but not nullable."""
    properties = schema.get("properties", {})
    if "type" in properties:
        properties["type"].pop("default", None)
        schema["required"] = ["type", *[r for r in schema.get("required", []) if r != "type"]]
    for name in _omitted_fields(model):
        info = model.model_fields[name]
        prop = properties[info.alias or name]
        prop.pop("default", None)
        branches = [b for b in prop.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            prop.update(branches[0])
        elif branches:
            prop["anyOf"] = branches


class PayloadPart(BaseModel):
    """Base of every payload model and of their parts."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True,
                              json_schema_extra=_tighten_schema)

    @model_validator(mode="before")
    @classmethod
    def _no_explicit_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in _omitted_fields(cls):
                key = cls.model_fields[name].alias or name
                if key in data and data[key] is None:
                    raise ValueError(f"{key!r} is left out when it has no value, never null")
        return data

    @model_serializer(mode="wrap")
    def _leave_out_omitted(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        dumped = handler(self)
        for name in _omitted_fields(type(self)):
            if getattr(self, name) is None:
                dumped.pop(type(self).model_fields[name].alias or name, None)
                dumped.pop(name, None)
        return dumped

    def to_payload(self) -> dict[str, Any]:
        """The JSON-ready dict a builder sends as ``json_message``."""
        return self.model_dump(mode="json", by_alias=True)


def iso_checked(kind: type[date] | type[datetime], value: str | None) -> str | None:
    if value is not None:
        kind.fromisoformat(value)  # raises ValueError: pydantic reports it on the field
    return value
