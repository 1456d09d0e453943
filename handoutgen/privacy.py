"""Patient and therapist names are health information: they never reach a message or a log."""

from __future__ import annotations

import re
import unicodedata


def without_names(message: str, options: dict) -> str:
    """`message` with the names in `options` ("patient", "therapist") replaced by <patient>
    and <therapist>, even in a bug's message: the whole name and each word of it (3 letters
    or more), in any case, composed or not, as written or as Python's repr writes it."""
    labels: dict[str, str] = {}
    words: set[str] = set()  # matched as whole words only ("Pat" never inside "patient")
    for key in ("patient", "therapist"):
        name = options.get(key)
        if not name:
            continue
        for form in (name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)):
            forms = {form, " ".join(form.split()), repr(form)[1:-1], form.encode("unicode_escape").decode()}
            parts = {word.casefold() for word in re.split(r"[\W_]+", form) if len(word) >= 3}
            words |= parts
            for f in forms | parts:
                if f.strip():
                    labels.setdefault(f.casefold(), f"<{key}>")
    if not labels:
        return message
    # One pass, longest first, so a replacement is never itself rewritten.
    pattern = "|".join(rf"(?<!\w){re.escape(f)}(?!\w)" if f in words else re.escape(f)
                       for f in sorted(labels, key=len, reverse=True))
    return re.sub(pattern, lambda m: labels.get(m.group(0).casefold(), "<name>"), message, flags=re.IGNORECASE)
