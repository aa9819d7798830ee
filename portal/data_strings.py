"""Babel extractor for words kept in data files but shown as part of every page.

The helplines' names, opening hours and who they are for sit in
portal/directory/data/helplines.yaml beside their numbers and sources; this puts those words
into the translation catalogs (registered as the `portal_helplines` extractor in
pyproject.toml, used by babel.cfg), and the helpline macro translates them when shown.
"""

from __future__ import annotations

import yaml

HELPLINE_TEXT_FIELDS = ("name", "hours", "text_hours", "audience")


def extract_helplines(fileobj, keywords, comment_tags, options):
    data = yaml.safe_load(fileobj)
    for line in data["helplines"]:
        for field in HELPLINE_TEXT_FIELDS:
            text = " ".join(str(line.get(field) or "").split())
            if text:
                yield 0, None, text, [f"helpline {line['slug']}: {field}"]
