"""Finding visitor markup that a page or a reply lets through unescaped.

The staff pages have no image, frame or inline event handler of their own, and one script only:
the dashboard's live badge, loaded from its own file (OWN_SCRIPTS, no inline code). Any other such
element in a rendered page came from what a visitor wrote; so does the corpus's canary word
(tests.fuzz.corpus.CANARY) anywhere but in text.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import List

from tests.fuzz.corpus import CANARY

OWN_SCRIPTS = {"/staff/static/staff-live.js"}
_OWN_SCRIPT_TAG = re.compile(r'<script src="(?:' + "|".join(map(re.escape, OWN_SCRIPTS)) + r')"(?: defer)?></script>')
ACTIVE_TAGS = {"script", "img", "svg", "iframe", "frame", "object", "embed", "math", "details", "video", "audio",
               "style"}
# What a reply (JSON text, shown with textContent) must not carry back either: the visitor's markup.
_MARKUP_IN_TEXT = re.compile(r"<\s*/?\s*(script|img|svg|iframe|style|details|math|a\s|b\s)|\bon\w+\s*=|javascript:",
                             re.IGNORECASE)


class _Elements(HTMLParser):
    def __init__(self, allowed_tags: set):
        super().__init__(convert_charrefs=True)
        self.allowed_tags = allowed_tags
        self.problems: List[str] = []
        self._raw_text_tag = None

    def handle_starttag(self, tag, attrs):
        where = f"<{tag} {' '.join(name for name, _ in attrs)}>"
        own_script = tag == "script" and dict(attrs).get("src") in OWN_SCRIPTS
        if tag in ACTIVE_TAGS and tag not in self.allowed_tags and not own_script:
            self.problems.append(f"a {where} element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"an event handler {name}= on {where}")
            if value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"a javascript: link in {where}")
            if CANARY in name:  # visitor text in a value is fine: the parser kept it a value
                self.problems.append(f"visitor text as an attribute of {where}")
        if tag in ("script", "style"):
            self._raw_text_tag = tag

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._raw_text_tag = None

    def handle_endtag(self, tag):
        self._raw_text_tag = None

    def handle_data(self, data):
        if self._raw_text_tag and CANARY in data:
            self.problems.append(f"visitor text inside <{self._raw_text_tag}>")

    def handle_comment(self, data):
        if CANARY in data:
            self.problems.append("visitor text inside an HTML comment")


def unescaped_markup(html: str, allowed_tags: tuple = ()) -> List[str]:
    """What in `html` is visitor markup that was not escaped (an empty list when nothing is)."""
    parser = _Elements(set(allowed_tags))
    parser.feed(html)
    parser.close()
    if re.search(r"<\s*script", _OWN_SCRIPT_TAG.sub("", html), re.IGNORECASE) and "script" not in allowed_tags:
        parser.problems.append("'<script' in the page source")
    return parser.problems


def markup_in_reply(text: str) -> bool:
    """Whether an assistant's reply repeats HTML or script (a tag, an on...= handler, a javascript: link)."""
    return bool(_MARKUP_IN_TEXT.search(text or ""))
