"""Dose wording (SPEC.md, Dosage): the patient's sentence and the compact line.

An explicit table over every field and many combinations (each side with each
limb, times a day 1, 2, 3, 12, days a week 1-7, durations in s, min, min + s
and h, one and many), and a property test that reads every number back out of
both forms and compares it with the dose that made them: "times_per_day: 3"
printing "Twice a day" fails here.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoutgen import dosage
from handoutgen.models import DoseFields

NBSP = "\xa0"


def dose(**fields) -> DoseFields:
    return DoseFields.model_validate(fields)


def plain(text: str) -> str:
    return text.replace(NBSP, " ")


# (fields, sentence, compact line); the printed forms have a no-break space
# between a number and its unit, written here as a plain space.
TABLE = [
    # reps, one and many
    (dict(reps=1), "Do it once.", "1 rep"),
    (dict(reps=10), "Do 10 times.", "10 reps"),
    (dict(reps=100), "Do 100 times.", "100 reps"),
    # sets
    (dict(reps=10, sets=1), "Do 10 times.", "1 set × 10 reps"),  # one set is not said
    (dict(reps=10, sets=5), "Do 10 times. Do 5 sets.", "5 sets × 10 reps"),
    (dict(reps=8, sets=20), "Do 8 times. Do 20 sets.", "20 sets × 8 reps"),
    # hold, in each unit
    (dict(hold="1s"), "Hold for 1 second.", "hold 1 s"),
    (dict(hold="30s"), "Hold for 30 seconds.", "hold 30 s"),
    (dict(hold="1 min"), "Hold for 1 minute.", "hold 1 min"),
    (dict(hold="2 min"), "Hold for 2 minutes.", "hold 2 min"),
    (dict(hold="90"), "Hold for 1 minute 30 seconds.", "hold 1 min 30 s"),
    (dict(hold="2 min 1 s"), "Hold for 2 minutes 1 second.", "hold 2 min 1 s"),
    (dict(reps=10, hold="5s"), "Do 10 times. Hold each one for 5 seconds.", "10 reps · hold 5 s"),
    # duration
    (dict(duration="10 min"), "Do this for 10 minutes.", "10 min"),
    (dict(duration="1 min 30 s"), "Do this for 1 minute 30 seconds.", "1 min 30 s"),
    (dict(duration="1h"), "Do this for 1 hour.", "1 h"),
    (dict(duration="1 h 1 min 1 s"), "Do this for 1 hour 1 minute 1 second.", "1 h 1 min 1 s"),
    (dict(duration="4 hours"), "Do this for 4 hours.", "4 h"),
    (dict(reps=10, duration="2 min"), "Do 10 times. Keep going for 2 minutes.", "10 reps · 2 min"),
    (dict(hold="30s", duration="5 min"), "Hold for 30 seconds. Keep going for 5 minutes.", "hold 30 s · 5 min"),
    # rest
    (dict(reps=10, sets=3, rest="1 min"), "Do 10 times. Do 3 sets. Rest 1 minute between sets.",
     "3 sets × 10 reps · rest 1 min"),
    (dict(reps=10, sets=3, rest="45"), "Do 10 times. Do 3 sets. Rest 45 seconds between sets.",
     "3 sets × 10 reps · rest 45 s"),
    (dict(reps=10, sets=3, rest="1 min 1 s"), "Do 10 times. Do 3 sets. Rest 1 minute 1 second between sets.",
     "3 sets × 10 reps · rest 1 min 1 s"),
    # times a day
    (dict(reps=10, times_per_day=1), "Do 10 times. Once a day.", "10 reps · 1× a day"),
    (dict(reps=10, times_per_day=2), "Do 10 times. Twice a day.", "10 reps · 2× a day"),
    (dict(reps=10, times_per_day=3), "Do 10 times. Do the whole exercise 3 times a day.", "10 reps · 3× a day"),
    (dict(reps=10, times_per_day=12), "Do 10 times. Do the whole exercise 12 times a day.", "10 reps · 12× a day"),
    (dict(hold="30s", times_per_day=3), "Hold for 30 seconds. 3 times a day.", "hold 30 s · 3× a day"),
    # "times" in one sense only (issue 13)
    (dict(reps=10, hold="5s", times_per_day=3),
     "Do 10 times. Hold each one for 5 seconds. Do the whole exercise 3 times a day.", "10 reps · hold 5 s · 3× a day"),
    # a rest between sets needs sets
    (dict(reps=10, rest="30s"), "Do 10 times.", "10 reps · rest 30 s"),
    (dict(reps=10, sets=1, rest="30s"), "Do 10 times.", "1 set × 10 reps · rest 30 s"),
    (dict(reps=1, hold="5s"), "Do it once. Hold it for 5 seconds.", "1 rep · hold 5 s"),
    # days a week, every value
    (dict(reps=10, days_per_week=1), "Do 10 times. 1 day a week.", "10 reps · 1 day a week"),
    (dict(reps=10, days_per_week=2), "Do 10 times. 2 days a week.", "10 reps · 2 days a week"),
    (dict(reps=10, days_per_week=3), "Do 10 times. 3 days a week.", "10 reps · 3 days a week"),
    (dict(reps=10, days_per_week=4), "Do 10 times. 4 days a week.", "10 reps · 4 days a week"),
    (dict(reps=10, days_per_week=5), "Do 10 times. 5 days a week.", "10 reps · 5 days a week"),
    (dict(reps=10, days_per_week=6), "Do 10 times. 6 days a week.", "10 reps · 6 days a week"),
    (dict(reps=10, days_per_week=7), "Do 10 times. Every day of the week.", "10 reps · daily"),
    # everything at once, in SPEC.md's order
    (dict(reps=10, sets=5, hold="3s", duration="2 min", rest="30s", side="each", limb="leg",
          times_per_day=2, days_per_week=5),
     "Do 10 times on each leg. Hold each one for 3 seconds. Keep going for 2 minutes. Do 5 sets. "
     "Rest 30 seconds between sets. Twice a day. 5 days a week.",
     "5 sets × 10 reps · hold 3 s · 2 min · each leg · rest 30 s · 2× a day · 5 days a week"),
    (dict(reps=1, sets=1, hold="1s", rest="1s", times_per_day=1, days_per_week=1),
     "Do it once. Hold it for 1 second. Once a day. 1 day a week.",
     "1 set × 1 rep · hold 1 s · rest 1 s · 1× a day · 1 day a week"),
    # SPEC.md's own example
    (dict(reps=10, sets=5, side="each", limb="leg", times_per_day=2),
     "Do 10 times on each leg. Do 5 sets. Twice a day.", "5 sets × 10 reps · each leg · 2× a day"),
]

# Every side with every limb (and no limb, which reads as "side"), after reps,
# after a hold alone and after a duration alone.
SIDE_SENTENCE = {
    ("each", "leg"): " on each leg", ("each", "arm"): " on each arm", ("each", "foot"): " on each foot",
    ("each", "hand"): " on each hand", ("each", "side"): " on each side", ("each", None): " on each side",
    ("left", "leg"): " with your left leg", ("left", "arm"): " with your left arm",
    ("left", "foot"): " with your left foot", ("left", "hand"): " with your left hand",
    ("left", "side"): " on your left side", ("left", None): " on your left side",
    ("right", "leg"): " with your right leg", ("right", "arm"): " with your right arm",
    ("right", "foot"): " with your right foot", ("right", "hand"): " with your right hand",
    ("right", "side"): " on your right side", ("right", None): " on your right side",
    ("both", "leg"): " with both legs", ("both", "arm"): " with both arms", ("both", "foot"): " with both feet",
    ("both", "hand"): " with both hands", ("both", "side"): " on both sides", ("both", None): " on both sides",
    ("alternating", "leg"): ", switching legs each time", ("alternating", "arm"): ", switching arms each time",
    ("alternating", "foot"): ", switching feet each time", ("alternating", "hand"): ", switching hands each time",
    ("alternating", "side"): ", switching sides each time", ("alternating", None): ", switching sides each time",
}
SIDE_COMPACT = {
    ("each", "leg"): "each leg", ("each", "arm"): "each arm", ("each", "foot"): "each foot",
    ("each", "hand"): "each hand", ("each", "side"): "each side", ("each", None): "each side",
    ("left", "leg"): "left leg", ("left", "arm"): "left arm", ("left", "foot"): "left foot",
    ("left", "hand"): "left hand", ("left", "side"): "left side", ("left", None): "left side",
    ("right", "leg"): "right leg", ("right", "arm"): "right arm", ("right", "foot"): "right foot",
    ("right", "hand"): "right hand", ("right", "side"): "right side", ("right", None): "right side",
    ("both", "leg"): "both legs", ("both", "arm"): "both arms", ("both", "foot"): "both feet",
    ("both", "hand"): "both hands", ("both", "side"): "both sides", ("both", None): "both sides",
    ("alternating", "leg"): "alternating legs", ("alternating", "arm"): "alternating arms",
    ("alternating", "foot"): "alternating feet", ("alternating", "hand"): "alternating hands",
    ("alternating", "side"): "alternating sides", ("alternating", None): "alternating sides",
}
for (side, limb), phrase in SIDE_SENTENCE.items():
    fields = {"side": side} | ({"limb": limb} if limb else {})
    short = SIDE_COMPACT[(side, limb)]
    TABLE += [
        (dict(reps=10, **fields), f"Do 10 times{phrase}.", f"10 reps · {short}"),
        (dict(hold="30s", **fields), f"Hold for 30 seconds{phrase}.", f"hold 30 s · {short}"),
        (dict(duration="5 min", **fields), f"Do this for 5 minutes{phrase}.", f"5 min · {short}"),
        (dict(reps=10, duration="5 min", **fields), f"Do 10 times{phrase}. Keep going for 5 minutes.",
         f"10 reps · 5 min · {short}"),
    ]


@pytest.mark.parametrize("fields, sentence, compact", TABLE, ids=[str(row[0]) for row in TABLE])
def test_dose_wording_table(fields, sentence, compact):
    d = dose(**fields)
    assert plain(dosage.sentence(d)) == sentence
    assert plain(dosage.compact(d)) == compact


def test_a_number_never_parts_from_its_unit():
    d = dose(reps=10, sets=5, hold="1 min 30 s", rest="30s", side="each", limb="leg", times_per_day=3,
             days_per_week=4)
    sentence, compact = dosage.sentence(d), dosage.compact(d)
    assert not re.search(r"\d ", sentence), sentence
    # The compact line breaks only between its items, after the separator: no line starts with "·".
    assert [item for item in compact.split(NBSP + "· ") if " " in item] == [], compact
    assert " ·" not in compact, compact


# ------------------------------------------------------------ property ---

LONG = {"hour": 3600, "hours": 3600, "minute": 60, "minutes": 60, "second": 1, "seconds": 1}
SHORT = {"h": 3600, "min": 60, "s": 1}
SINGULAR = {"hour", "minute", "second", "time", "set", "rep", "day"}


def _seconds(text: str, units: dict[str, int]) -> int:
    """'1 minute 30 seconds' → 90; singular and plural must agree with the number."""
    parts = re.findall(r"(\d+) (\w+)", text)
    assert parts and " ".join(f"{n} {u}" for n, u in parts) == text.strip(), text
    seen = []
    for number, unit in parts:
        assert unit in units, (unit, text)
        if units is LONG:
            assert (int(number) == 1) == (unit in SINGULAR), f"number and unit disagree: {text!r}"
        seen.append(units[unit])
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == len(seen), text
    return sum(int(n) * units[u] for n, u in parts)


def _agrees(number: str, word: str) -> None:
    assert (int(number) == 1) == (word in SINGULAR), f"{number} {word}"


_UNIT = r"\d+ (?:hours?|minutes?|seconds?)"
LONG_DURATION = rf"({_UNIT}(?: {_UNIT})*)"


def read_sentence(text: str) -> dict:
    """Every number of the sentence, by field; what is left has no digit."""
    found: dict = {}
    rest = plain(text)

    def take(pattern: str, store) -> None:
        nonlocal rest
        m = re.search(pattern, rest)
        if m:
            store(m)
            rest = rest[:m.start()] + rest[m.end():]

    def reps(m):
        _agrees(m.group(1), m.group(2))
        found["reps"] = int(m.group(1))

    def sets(m):
        _agrees(m.group(1), m.group(2))
        found["sets"] = int(m.group(1))

    def per_day(m):
        found["times_per_day"] = {"Once": 1, "Twice": 2}.get(m.group(1)) or int(m.group(2))
        # "times" means one thing: with reps, a number of times a day is the whole exercise's
        assert m.group(1).startswith("Do the whole") == ("reps" in found and int(m.group(2) or 0) > 2), text
        assert m.group(1) in ("Once", "Twice") or int(m.group(2)) > 2, "1 and 2 are written Once and Twice"

    def per_week(m):
        if m.group(0).startswith("Every"):
            found["days_per_week"] = 7
        else:
            _agrees(m.group(1), m.group(2))
            found["days_per_week"] = int(m.group(1))
            assert found["days_per_week"] < 7

    take(r"Do (\d+) (times?)\b", reps)
    take(r"Do it once\b", lambda m: found.__setitem__("reps", 1))
    take(r"Hold (?:each one |it )?for " + LONG_DURATION,
         lambda m: found.__setitem__("hold", _seconds(m.group(1), LONG)))
    take(r"(?:Keep going|Do this) for " + LONG_DURATION,
         lambda m: found.__setitem__("duration", _seconds(m.group(1), LONG)))
    take(r"Do (\d+) (sets?)\.", sets)
    take(r"Rest " + LONG_DURATION + r" between sets\.",
         lambda m: found.__setitem__("rest", _seconds(m.group(1), LONG)))
    take(r"(Once|Twice|(?:Do the whole exercise )?(\d+) times) a day\.", per_day)
    take(r"Every day of the week\.|(\d+) (days?) a week\.", per_week)
    assert not re.search(r"\d", rest), f"a number no field explains: {rest!r} (in {text!r})"
    return found


def read_compact(text: str) -> dict:
    found: dict = {}
    for item in plain(text).split(" · "):
        if m := re.fullmatch(r"(?:(\d+) (sets?) × )?(\d+) (reps?)", item):
            if m.group(1):
                _agrees(m.group(1), m.group(2))
                found["sets"] = int(m.group(1))
            _agrees(m.group(3), m.group(4))
            found["reps"] = int(m.group(3))
        elif m := re.fullmatch(r"(\d+) (sets?)", item):
            _agrees(m.group(1), m.group(2))
            found["sets"] = int(m.group(1))
        elif m := re.fullmatch(r"hold (.+)", item):
            found["hold"] = _seconds(m.group(1), SHORT)
        elif m := re.fullmatch(r"rest (.+)", item):
            found["rest"] = _seconds(m.group(1), SHORT)
        elif m := re.fullmatch(r"(\d+)× a day", item):
            found["times_per_day"] = int(m.group(1))
        elif item == "daily":
            found["days_per_week"] = 7
        elif m := re.fullmatch(r"(\d+) (days?) a week", item):
            _agrees(m.group(1), m.group(2))
            found["days_per_week"] = int(m.group(1))
            assert found["days_per_week"] < 7
        elif re.fullmatch(r"(?:\d+ (?:h|min|s) ?)+", item):
            assert "duration" not in found, text
            found["duration"] = _seconds(item, SHORT)
        else:
            assert not re.search(r"\d", item), f"a number no field explains: {item!r} (in {text!r})"
    return found


durations = st.integers(1, 4 * 3600)
optional = lambda strategy: st.one_of(st.none(), strategy)  # noqa: E731


@st.composite
def doses(draw) -> dict:
    fields = {
        "sets": draw(optional(st.integers(1, 20))),
        "reps": draw(optional(st.integers(1, 100))),
        "hold": draw(optional(durations)),
        "duration": draw(optional(durations)),
        "rest": draw(optional(durations)),
        "side": draw(optional(st.sampled_from(["each", "left", "right", "both", "alternating"]))),
        "times_per_day": draw(optional(st.integers(1, 12))),
        "days_per_week": draw(optional(st.integers(1, 7))),
    }
    if fields["side"] is not None:
        fields["limb"] = draw(optional(st.sampled_from(["leg", "arm", "foot", "hand", "side"])))
    if fields["reps"] is None and fields["hold"] is None and fields["duration"] is None:
        fields[draw(st.sampled_from(["reps", "hold", "duration"]))] = draw(st.integers(1, 100))
    return {k: v for k, v in fields.items() if v is not None}


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(doses())
def test_every_number_reads_back_out_of_both_forms(fields):
    d = dose(**{k: (str(v) if k in ("hold", "duration", "rest") else v) for k, v in fields.items()})
    numbers = {k: v for k, v in fields.items() if k not in ("side", "limb")}
    sentence, compact = dosage.sentence(d), dosage.compact(d)
    said = dict(numbers)
    if said.get("sets") == 1:  # one set is not said, nor a rest between sets without sets
        del said["sets"]
    if "sets" not in said:
        said.pop("rest", None)
    assert read_sentence(sentence) == said, sentence
    assert read_compact(compact) == numbers, compact
    if "side" in fields:
        key = (fields["side"], fields.get("limb"))
        assert SIDE_SENTENCE[key] in plain(sentence) and SIDE_COMPACT[key] in plain(compact).split(" · ")
    else:
        assert not re.search(r"\b(each|left|right|both|switching|alternating)\b",
                             plain(sentence).replace("each one", "") + " " + plain(compact))


def test_the_property_test_notices_a_wrong_word():
    """The reader is strict enough: 'Twice a day' for 3 is caught."""
    with pytest.raises(AssertionError):
        assert read_sentence("Do 10 times. Twice a day.") == {"reps": 10, "times_per_day": 3}
    with pytest.raises(AssertionError):
        read_sentence("Do 10 times. 2 times a day.")
    with pytest.raises(AssertionError):
        read_compact("10 reps · 1 days a week")
    with pytest.raises(AssertionError):
        read_sentence("Do 1 times.")


# ------------------------------------------------------------ Spanish ---
# The same doses in Spanish (handoutgen/locale/es): the catalogue's words and plural rule.
TABLE_ES = [
    (dict(reps=1), "Hágalo una vez.", "1 rep."),
    (dict(reps=10), "Haga 10 repeticiones.", "10 rep."),
    (dict(reps=10, sets=1), "Haga 10 repeticiones.", "1 serie × 10 rep."),
    (dict(reps=10, sets=5, side="each", limb="leg", times_per_day=2),
     "Haga 10 repeticiones con cada pierna. 5 series. 2 veces al día.", "5 series × 10 rep. · cada pierna · 2× al día"),
    (dict(hold="1s"), "Mantenga 1 segundo.", "mantener 1 s"),
    (dict(hold="90"), "Mantenga 1 minuto 30 segundos.", "mantener 1 min 30 s"),
    (dict(reps=10, hold="5s", times_per_day=3),
     "Haga 10 repeticiones. Mantenga cada una 5 segundos. 3 veces al día.", "10 rep. · mantener 5 s · 3× al día"),
    (dict(reps=1, hold="5s"), "Hágalo una vez. Manténgalo 5 segundos.", "1 rep. · mantener 5 s"),
    (dict(duration="1 h 1 min 1 s"), "Hágalo durante 1 hora 1 minuto 1 segundo.", "1 h 1 min 1 s"),
    (dict(duration="2 h"), "Hágalo durante 2 horas.", "2 h"),
    (dict(reps=10, duration="2 min"), "Haga 10 repeticiones. Siga durante 2 minutos.", "10 rep. · 2 min"),
    (dict(reps=10, sets=3, rest="45"), "Haga 10 repeticiones. 3 series. Descanse 45 segundos entre series.",
     "3 series × 10 rep. · descanso 45 s"),
    (dict(reps=10, rest="45"), "Haga 10 repeticiones.", "10 rep. · descanso 45 s"),
    (dict(reps=10, times_per_day=1), "Haga 10 repeticiones. 1 vez al día.", "10 rep. · 1× al día"),
    (dict(hold="30s", times_per_day=12), "Mantenga 30 segundos. 12 veces al día.", "mantener 30 s · 12× al día"),
    (dict(reps=10, days_per_week=1), "Haga 10 repeticiones. 1 día a la semana.", "10 rep. · 1 día a la semana"),
    (dict(reps=10, days_per_week=3), "Haga 10 repeticiones. 3 días a la semana.", "10 rep. · 3 días a la semana"),
    (dict(reps=10, days_per_week=7), "Haga 10 repeticiones. Todos los días de la semana.", "10 rep. · a diario"),
    (dict(reps=8, side="left", limb="arm"), "Haga 8 repeticiones con el brazo izquierdo.", "8 rep. · brazo izq."),
    (dict(reps=8, side="right", limb="hand"), "Haga 8 repeticiones con la mano derecha.", "8 rep. · mano der."),
    (dict(reps=8, side="both", limb="foot"), "Haga 8 repeticiones con los dos pies.", "8 rep. · los dos pies"),
    (dict(reps=8, side="alternating", limb="leg"), "Haga 8 repeticiones, cambiando de pierna cada vez.",
     "8 rep. · piernas alternas"),
    (dict(hold="30s", side="each"), "Mantenga 30 segundos de cada lado.", "mantener 30 s · cada lado"),
    (dict(duration="5 min", side="left"), "Hágalo durante 5 minutos del lado izquierdo.", "5 min · lado izq."),
]


@pytest.mark.parametrize("fields, sentence, compact", TABLE_ES, ids=[str(row[0]) for row in TABLE_ES])
def test_dose_wording_table_spanish(fields, sentence, compact):
    from handoutgen import i18n

    d = dose(**fields)
    with i18n.using("es"):
        assert plain(dosage.sentence(d)) == sentence
        assert plain(dosage.compact(d)) == compact
    assert "Haga" not in dosage.sentence(d)  # and English again outside


ENGLISH_WORDS = re.compile(r"\b(Do|do|times?|sets?|Hold|hold|Rest|rest|day|days|week|each|left|right|both|"
                           r"with|on|a day|minutes?|seconds?|hours?|Once|Twice|daily|Keep|switching)\b")


@settings(max_examples=200, derandomize=True, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(doses())
def test_a_spanish_dose_has_no_english_word(fields):
    from handoutgen import i18n

    d = dose(**{k: (str(v) if k in ("hold", "duration", "rest") else v) for k, v in fields.items()})
    with i18n.using("es"):
        sentence, compact = plain(dosage.sentence(d)), plain(dosage.compact(d))
    assert not ENGLISH_WORDS.search(sentence), sentence
    assert not ENGLISH_WORDS.search(compact), compact
    # every number of the dose is printed in both
    for key in ("reps", "times_per_day"):
        if key in fields and fields[key] > 1:
            assert str(fields[key]) in sentence and str(fields[key]) in compact
