"""The meter registry: every model and dialect by name, from the family data modules."""

from __future__ import annotations

import pytest

from joulekit.errors import UserError
from joulekit.meters import registry
from joulekit.meters.registry import (
    DIALECTS,
    MODELS,
    dialect,
    model_for_device_type,
    model_for_name,
)


def test_every_family_model_and_dialect_is_registered_once() -> None:
    names = [m.name for f in registry.FAMILIES for m in f.MODELS]
    assert len(names) == len(set(names)) == len(MODELS)
    assert list(MODELS) == ["WT310E", "WT310", "WT332E", "WT333E", "WT210", "WT500"]
    assert list(DIALECTS) == ["wt300e", "wt210"]
    for d in DIALECTS.values():  # a dialect only names models the registry knows
        assert set(d.models) <= set(MODELS), d.name


@pytest.mark.parametrize(
    ("text", "model"),
    [("YOKOGAWA,WT310E,C2PH13047V,F1.03", "WT310E"), ("WT310", "WT310"),
     ("Yokogawa WT330 (multichannel)", "WT333E"), ("wt 210", "WT210"), ("HIOKI PW3335", None)],
)
def test_model_for_name_longest_match_then_aliases(text: str, model: str | None) -> None:
    found = model_for_name(text)
    assert (found.name if found else None) == model


@pytest.mark.parametrize(("device_type", "model"),
                         [(49, "WT310E"), (549, "WT310E"), (508, "WT210"), (77, "WT333E"),
                          (48, "WT500"), (535, "WT500"), (1, None), (999, None)])
def test_model_for_device_type_ac_and_dc(device_type: int, model: str | None) -> None:
    found = model_for_device_type(device_type)
    assert (found.name if found else None) == model


def test_dialect_by_name_and_its_message() -> None:
    assert dialect("WT210") is DIALECTS["wt210"]
    with pytest.raises(UserError,
                       match=r"^unknown meter dialect 'pw3335'; use one of wt300e, wt210$"):
        dialect("pw3335")
