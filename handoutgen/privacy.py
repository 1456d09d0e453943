"""Patient and therapist names are health information: they never reach a message or a log.

One scrubber, `without_names`, for every place a name could leak: the message of an internal
error and its `--debug` traceback (cli.py), the web page's log line (web/app.py) and a clinic
layout's error (layout.py)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

KEYS = ("patient", "therapist")
# Not inside a longer run of letters or digits: "Jo" is hidden in "Jo-Ann" and "'Jo'", never
# in "Joint" (an underscore counts as a separator too, as in "jo_ann").
_BEFORE, _AFTER = r"(?<![^\W_])", r"(?![^\W_])"


def _html(text: str) -> str:
    """`text` as a layout's autoescape writes it (markupsafe's escape)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&#34;").replace("'", "&#39;"))


def without_names(message: str, names: Mapping) -> str:
    """`message` with the names in `names` (its "patient" and "therapist", other keys are
    ignored) replaced by <patient> and <therapist>: the whole name and each word of it,
    however short ("Jo" of "Jo Ann", "O"), in any case, composed or not, as written, as
    Python's repr writes it and as a layout escapes it. A name or word is replaced where it
    stands on its own, never inside a longer word, so the rest stays readable."""
    labels: dict[str, str] = {}  # casefolded spelling → its label
    spellings: set[str] = set()
    for key in KEYS:
        name = names.get(key)
        if not isinstance(name, str) or not name.strip():
            continue
        for form in {name, unicodedata.normalize("NFC", name), unicodedata.normalize("NFD", name)}:
            whole = {form, " ".join(form.split()), repr(form)[1:-1], form.encode("unicode_escape").decode(),
                     _html(form)}
            words = {word for word in re.split(r"[\W_]+", form) if word}
            for text in whole | words:
                if not text.strip():
                    continue
                for spelling in (text, text.lower(), text.upper(), text.casefold()):
                    labels.setdefault(spelling.casefold(), f"<{key}>")
                    spellings.add(spelling)
    if not spellings:
        return message
    # One pass, longest first, so a replacement is never itself rewritten.
    pattern = "|".join(_BEFORE + re.escape(s) + _AFTER for s in sorted(spellings, key=len, reverse=True))
    return re.sub(pattern, lambda m: labels.get(m.group(0).casefold(), "<name>"), message, flags=re.IGNORECASE)
