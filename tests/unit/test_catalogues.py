"""The es, fr and ru catalogues are complete, and the committed .mo files match their .po.

pacta ships compiled catalogues so a fresh machine needs no gettext; this test fails when a
.po was edited without recompiling, or when an entry is left untranslated or fuzzy.
"""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ["es", "fr", "ru"]
PLURAL_FORMS = {"es": 2, "fr": 2, "ru": 3}


def _entries(po: Path) -> list[dict[str, object]]:
    """The entries of a .po file: context, id, plural id, translations, flags."""
    entries: list[dict[str, object]] = []
    entry: dict[str, object] = {}
    key: str | None = None

    def close() -> None:
        nonlocal entry
        if "msgid" in entry:
            entries.append(entry)
        entry = {}

    for line in po.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
            key = None
        elif line.startswith("#,"):
            if "msgid" in entry:
                close()
            entry["flags"] = {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert key is not None, f"{po}: continuation line without a key: {line}"
            entry[key] = str(entry[key]) + ast.literal_eval(line)
        else:
            key, _, text = line.partition(" ")
            if key == "msgid" and "msgid" in entry:
                close()
            entry[key] = ast.literal_eval(text)
    close()
    return entries


def _key(entry: dict[str, object]) -> str:
    msgid = str(entry["msgid"])
    return f"{entry['msgctxt']}\x04{msgid}" if "msgctxt" in entry else msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    entries = _entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 400
    problems = []
    for entry in entries:
        if entry["msgid"] == "":
            assert "fuzzy" not in entry.get("flags", set()), "the header is still fuzzy"
            continue
        if "fuzzy" in entry.get("flags", set()):
            problems.append(f"fuzzy: {entry['msgid']}")
        if "msgid_plural" in entry:
            forms = [entry.get(f"msgstr[{n}]", "") for n in range(PLURAL_FORMS[language])]
            if not all(forms):
                problems.append(f"plural form missing: {entry['msgid']}")
        elif not entry.get("msgstr"):
            problems.append(f"untranslated: {entry['msgid']}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source_catalogue(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for entry in _entries(folder / "django.po"):
        if entry["msgid"] == "":
            continue
        key = _key(entry)
        if "msgid_plural" in entry:
            for n in range(PLURAL_FORMS[language]):
                assert catalogue._catalog[(key, n)] == entry[f"msgstr[{n}]"], key
        else:
            assert catalogue._catalog[key] == entry["msgstr"], key


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for entry in _entries(LOCALE / language / "LC_MESSAGES" / "django.po"):
        if not entry["msgid"]:
            continue
        singular = set(placeholder.findall(str(entry["msgid"])))
        if "msgid_plural" not in entry:
            found = set(placeholder.findall(str(entry["msgstr"])))
            assert found == singular, (entry["msgid"], entry["msgstr"])
            continue
        # A plural form may name the count the singular leaves out ("every second" / "every
        # %(counter)s seconds"); in Russian the first form also serves 21, 31, … so it may too.
        plural = set(placeholder.findall(str(entry["msgid_plural"])))
        for n in range(PLURAL_FORMS[language]):
            text = str(entry[f"msgstr[{n}]"])
            found = set(placeholder.findall(text))
            assert singular <= found <= singular | plural, (entry["msgid"], text)
            if n > 0:
                assert plural <= found, (entry["msgid_plural"], text)
