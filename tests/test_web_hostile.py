"""`handoutgen serve` attacked as a hostile or careless user would: markup, template code,
invisible characters and absurd sizes in every field; path-like exercise keys; values
outside the choices; wrong methods, odd handout ids and Host headers; the CSRF lock from
odd angles; several therapists at once; and every answer's headers and privacy.
(Each bug found this way was fixed; its test stays, as a plain test.)"""

from __future__ import annotations

import html as html_lib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from markupsafe import escape
from test_web import HOST, form, get, pdf_text, post
from werkzeug.datastructures import MultiDict

from conftest import SAMPLE, run
from handoutgen.clinic import Clinic
from handoutgen.web.app import create_app
from handoutgen.web.guard import TOKEN_FIELD, Guard

PATIENT = "Quixote Zabaleta"  # distinctive: found in a page only where it was put
PREVIEW = f"/h/{SAMPLE}/preview"
PDF = f"/h/{SAMPLE}/pdf"
EXERCISES = f"/h/{SAMPLE}/exercises"


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def client(clinic, guard):
    return create_app(Clinic.open(clinic), guard).test_client()


def items(keys: list[str], **fields) -> list[tuple[str, str]]:
    """The editor's fields with these exercises kept (`item` values), in this order."""
    return [(k, v) for k, v in form(**fields) if k != "item"] + [("item", key) for key in keys]


def text_of(answer) -> str:
    """The answer's HTML as sent (escaped): read a message with `slot`."""
    return answer.get_data(as_text=True)


def slot(html: str, name: str) -> str:
    """The text of one field's message place, as the browser shows it (tags gone, then unescaped:
    a message quoting "<b>8</b>" keeps it)."""
    match = re.search(rf'<p class="field-error" id="err-{re.escape(name)}"[^>]*>(.*?)</p>', html, re.DOTALL)
    assert match, f"no message place for {name}"
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def words(html: str) -> str:
    """The preview's "page's words" (the text of the PDF, for screen readers)."""
    match = re.search(r'<details class="words">(.*?)</details>', html, re.DOTALL)
    assert match, "no page's words: the preview has no picture"
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(1)))


def cli_message(clinic: Path, *args: str) -> str:
    """What `render` says of one option, without "error: command line: OPTION: "."""
    done = run("render", SAMPLE, *args, "-o", "-", root=clinic)
    assert done.exit_code == 1, done.output
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("error: command line: "), line
    return line.split(": ", 3)[-1]


def rows_of(html: str) -> list[str]:
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", name)).strip()
            for name in re.findall(r'<h3 id="name-\d+">(.*?)</h3>', html)]


# ------------------------------------------------------------------ names: text is data

@pytest.mark.parametrize("name", ["<b>x</b>", "<script>alert(1)</script>", "&amp;", "A &lt; B", "{{ 7*7 }}",
                                  "{% raw %}", "<font size=80>Big</font>", "<i>Ana</i>"])
def test_markup_and_template_code_in_a_name_print_as_typed(client, guard, name):
    pdf = post(client, guard, PDF, form(patient=name))
    assert pdf.mimetype == "application/pdf"
    assert f"For: {name} " in pdf_text(pdf.data)[0]  # neither ReportLab markup nor a template
    html = post(client, guard, PREVIEW, form(patient=name)).get_data(as_text=True)
    assert f"For: {name} " in words(html)
    assert "<b>x" not in html and "<script>alert" not in html and "<font" not in html and "<i>Ana" not in html
    assert "For: 49" not in words(html)


@pytest.mark.parametrize("name,message", [
    ("\u202eQuixote", "contains an invisible character U+202E (RIGHT-TO-LEFT OVERRIDE); delete it"),
    ("Qui\u200bxote", "contains an invisible character U+200B (ZERO WIDTH SPACE); delete it"),
    ("Qui\x00xote", "contains an invisible character U+0000 (control character); delete it"),
    ("\ufeffQuixote", "contains an invisible character U+FEFF (ZERO WIDTH NO-BREAK SPACE); delete it"),
    ("Quixote \u0645\u062d", 'the character "\u0645" (U+0645 ARABIC LETTER MEEM) is written right to left, which '
                             "handoutgen cannot print correctly (it would come out reversed); write this text in a "
                             "left-to-right script"),
    ("Quixote 😀", 'the character "😀" (U+1F600 GRINNING FACE) is in no available font and would print as a box; '
                   "remove it or set a font that has it in brand.yaml"),
])
def test_invisible_right_to_left_and_unprintable_names_are_said_beside_the_name(client, guard, name, message):
    html = text_of(post(client, guard, PREVIEW, form(patient=name)))
    assert slot(html, "patient") == message
    assert "data:image/png" not in html and "Quixote" not in html  # the character is named, never the name
    answer = post(client, guard, PDF, form(patient=name))
    assert answer.status_code == 422 and slot(text_of(answer), "patient") == message


def test_a_name_of_60_characters_prints_and_61_is_refused_without_echo(client, guard):
    sixty = "Quixote" + "z" * 53
    assert len(sixty) == 60
    pdf = post(client, guard, PDF, form(patient=sixty))
    assert pdf.mimetype == "application/pdf"
    html = text_of(post(client, guard, PREVIEW, form(patient=sixty + "z")))
    assert slot(html, "patient") == ("is 61 characters long; at most 60 fit the page: shorten it "
                                     "(e.g. initials for middle names)")
    assert "Quixote" not in html


def test_a_name_of_10000_characters_is_refused_quickly_without_echo(client, guard):
    started = time.monotonic()
    html = text_of(post(client, guard, PREVIEW, form(patient="Quixote" * 1500)))
    assert time.monotonic() - started < 5
    assert slot(html, "patient").startswith("is ") and "at most 60 fit the page" in slot(html, "patient")
    assert "Quixote" not in html


def test_a_name_too_long_is_said_with_its_own_length(client, guard):
    html = text_of(post(client, guard, PREVIEW, form(patient="Quixote" * 1500)))
    assert slot(html, "patient").startswith("is 10500 characters long;")


def test_a_name_too_long_does_not_hide_a_bad_dose(client, guard, clinic):
    html = text_of(post(client, guard, PREVIEW, form(patient="x" * 61, dose__1__reps="0")))
    assert "at most 60" in slot(html, "patient")
    assert slot(html, "dose-0-reps") == cli_message(clinic, "--dose", "1.reps=0")


def test_whitespace_and_line_breaks_in_a_name_print_as_single_spaces(client, guard):
    for name in ("Quixote\nZabaleta", "Quixote\r\n\tZabaleta", "  Quixote   Zabaleta  "):
        pdf = post(client, guard, PDF, form(patient=name))
        assert f"For: {PATIENT} " in pdf_text(pdf.data)[0], repr(name)


# ------------------------------------------------------------------ doses

@pytest.mark.parametrize("field,value", [
    ("reps", "1000000000000000000000000"), ("reps", "-3"), ("reps", "2.5"), ("reps", "٣"), ("reps", "1e9"),
    ("reps", "８"), ("reps", "0"), ("sets", "²"), ("reps", "<b>8</b>"), ("reps", "{{7*7}}"),
    ("hold", "99 h"), ("hold", "-5 s"), ("hold", "1e9 s"), ("hold", "٣ s"), ("rest", "nan s"), ("rest", "inf s"),
    ("duration", "9999999999999999999999 min"), ("side", "sideways"), ("limb", "tail"),
    ("times_per_day", "50"), ("days_per_week", "8"),
])
def test_a_hostile_dose_is_said_beside_its_field_in_the_cli_words(client, guard, clinic, field, value):
    html = text_of(post(client, guard, PREVIEW, form(**{f"dose__1__{field}": value})))
    assert slot(html, f"dose-0-{field}") == cli_message(clinic, "--dose", f"1.{field}={value}")
    assert "data:image/png" not in html and slot(html, "patient") == ""


def test_a_dose_with_spaces_around_it_prints_the_number(client, guard):
    pdf = post(client, guard, PDF, form(dose__1__reps=" 8 "))
    assert "Do 8 times on each leg." in pdf_text(pdf.data)[0]


def test_a_dose_for_an_exercise_not_kept_or_a_field_unknown_is_ignored(client, guard):
    fields = form(dose__9__reps="lots", dose__1__evil="5", **{"dose..reps": "lots", "dose.1.2.reps": "lots"})
    html = text_of(post(client, guard, PREVIEW, fields))
    assert "data:image/png" in html and "must be" not in html


# ------------------------------------------------------------------ exercises: keys are never paths

@pytest.mark.parametrize("key", ["../brand", "/etc/passwd", "%2e%2e", "../exercises/heel-raise", "heel-raise.yaml",
                                 "", "1\x00", "<b>x</b>"])
def test_a_path_like_exercise_key_is_an_unknown_exercise(client, guard, key):
    html = text_of(post(client, guard, PREVIEW, items(["1", key])))
    assert slot(html, "exercises").startswith(f'no exercise "{key}" in exercises/;')
    assert "data:image/png" not in html and "More 4 Life" not in slot(html, "exercises")
    answer = post(client, guard, PDF, items(["1", key]))
    assert answer.status_code == 422 and answer.mimetype == "text/html"


def test_an_exercise_listed_twice_prints_once(client, guard):
    pdf = post(client, guard, PDF, items(["1", "1", "2", "1"]))
    text = pdf_text(pdf.data)[0]
    assert text.count("Push-Off and Balance") == 1 and "Calf Stretch" in text


def test_a_hundred_unknown_exercises_each_said_and_more_refused_before_any_work(client, guard):
    answer = post(client, guard, PREVIEW, items([f"x{n}" for n in range(100)]))
    html = text_of(answer)
    assert answer.status_code == 200 and "data:image/png" not in html
    assert slot(html, "exercises").count("no exercise ") == 100
    many = post(client, guard, PREVIEW, items([f"x{n}" for n in range(200)]), **{"HX-Request": "true"})
    html = text_of(many)
    assert many.status_code == 200 and "no exercise " not in html  # refused before any was looked up
    assert slot(html, "exercises") == "200 exercises; at most 100 fit on a handout of 4 pages: remove some"


def test_adding_an_unknown_exercise_shows_it_with_a_remove_button_and_a_message(client, guard):
    html = text_of(post(client, guard, EXERCISES, form() + [("add", "../brand")]))
    assert rows_of(html)[-1] == "3. ../brand added"
    assert 'value="../brand"' in html and "Remove “../brand”" in html
    assert slot(html, "exercises").startswith('no exercise "../brand" in exercises/;')
    removed = text_of(post(client, guard, EXERCISES, items(["1", "2", "../brand"]) + [("remove", "../brand")]))
    assert rows_of(removed) == ["1. Push-Off and Balance", "2. Calf Stretch"] and "data:image/png" in removed


def test_removing_an_exercise_not_in_the_list_changes_nothing(client, guard):
    html = text_of(post(client, guard, EXERCISES, form() + [("remove", "9"), ("remove", "1")]))
    assert rows_of(html) == ["1. Push-Off and Balance", "2. Calf Stretch"]


def test_removing_every_exercise_says_so_beside_the_list(client, guard):
    html = text_of(post(client, guard, EXERCISES, items(["2"]) + [("remove", "2")]))
    assert rows_of(html) == [] and 'data-focus="add-exercise"' in html
    assert slot(html, "exercises").startswith("skips every exercise of the handout; keep at least one")


def test_an_exercise_removed_then_added_back_from_the_library_prints(client, guard):
    html = text_of(post(client, guard, EXERCISES, items(["2"]) + [("add", "push-off")]))
    assert slot(html, "exercises") == ""
    assert "data:image/png" in html
    # Back as the handout's own card 1: listed, and printed, in the handout's order.
    assert [name.split(". ", 1)[1].removesuffix(" added") for name in rows_of(html)] == [
        "Push-Off and Balance", "Calf Stretch"]


@pytest.mark.parametrize("kept,add", [(["1", "2"], "push-off"), (["1", "2", "heel-raise"], "heel-raise")])
def test_adding_an_exercise_already_listed_keeps_the_page_printable(client, guard, kept, add):
    html = text_of(post(client, guard, EXERCISES, items(kept) + [("add", add)]))
    assert slot(html, "exercises") == ""
    assert "data:image/png" in html or "does not fit" in slot(html, "pages")
    assert len(rows_of(html)) == len(kept)


# ------------------------------------------------------------------ other fields

def test_a_post_with_no_fields_prints_the_handout_as_written(client, guard):
    answer = post(client, guard, PDF, [])
    assert answer.mimetype == "application/pdf"
    text = pdf_text(answer.data)[0]
    assert "Push-Off and Balance" in text and "Calf Stretch" in text


def test_a_field_given_twice_takes_the_first(client, guard):
    pdf = post(client, guard, PDF, form(patient=[PATIENT, "Other Person"]))
    text = pdf_text(pdf.data)[0]
    assert f"For: {PATIENT} " in text and "Other Person" not in text


@pytest.mark.parametrize("lang", ["xx", "../../etc/passwd", "EN", "es_ES", "<b>x"])
def test_a_language_outside_the_choices_is_said_beside_language(client, guard, clinic, lang):
    html = text_of(post(client, guard, PREVIEW, form(lang=lang)))
    assert slot(html, "lang") == cli_message(clinic, "--lang", lang)


@pytest.mark.parametrize("date", ["2026-02-30", "+002026-12-01", "20261201", "٢٠٢٦-١٢-٠١", "<script>"])
def test_a_bad_date_is_said_beside_the_date(client, guard, date):
    html = text_of(post(client, guard, PREVIEW, form(date=date)))
    assert slot(html, "date") == f'must be a date written as YYYY-MM-DD, e.g. 2026-12-01 (got "{date}")'


def test_a_checklist_dated_at_the_end_of_time_is_said_beside_the_date(client, guard):
    html = text_of(post(client, guard, PREVIEW, form(date="9999-12-31", kind="both")))
    assert slot(html, "date").startswith("9999-12-31 leaves no room for the checklist's days after it;")


@pytest.mark.parametrize("field,value", [("pages", "5"), ("pages", "0"), ("pages", "two"), ("kind", "evil")])
def test_a_choice_the_page_does_not_offer_is_refused_not_replaced(client, guard, field, value):
    answer = post(client, guard, PDF, form(**{field: value}))
    assert answer.status_code == 422
    expected = {"pages": f'must be a number of pages from 1 to 4 (got "{value}")',
                "kind": f'must be handout, checklist or both (got "{value}")'}[field]
    assert slot(text_of(answer), field) == expected


# ------------------------------------------------------------------ routes, methods, ids

@pytest.mark.parametrize("method,url", [("GET", PREVIEW), ("GET", PDF), ("GET", EXERCISES), ("POST", "/"),
                                        ("POST", f"/h/{SAMPLE}"), ("POST", f"/h/{SAMPLE}/library"),
                                        ("POST", "/staff/brand"), ("PUT", "/staff/check"), ("PUT", PREVIEW),
                                        ("DELETE", "/"), ("TRACE", "/"), ("PATCH", PDF)])
def test_a_wrong_method_is_405_and_kept_out_of_caches(client, guard, method, url):
    data = {TOKEN_FIELD: guard.token, "patient": PATIENT} if method != "GET" else None
    answer = client.open(url, method=method, data=data, headers={"Sec-Fetch-Site": "same-origin"},
                         base_url=f"http://{HOST}")
    assert answer.status_code == 405
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Quixote" not in answer.get_data(as_text=True)


@pytest.mark.parametrize("url", [f"/h/{SAMPLE}.yaml", "/h/..", "/h/.", "/h/%2e%2e", "/h/..%2fbrand",
                                 "/h/%2Fetc%2Fpasswd", "/h//etc/passwd", "/h/../brand.yaml", "/h/a%00b",
                                 f"/h/{SAMPLE}%00", "/h/" + "a" * 5000, f"/h/{SAMPLE.upper()}", f"/h/{SAMPLE}/",
                                 "/h/%3Cscript%3Ealert(1)", "/static/../brand.yaml", "/static/%2e%2e/app.py",
                                 "/static/..%2f..%2fbrand.yaml", "/staff/brand?handout=../brand",
                                 "/staff/brand?handout=%2e%2e%2fbrand", "/h/no-such/library?exercise-search=heel"])
def test_an_odd_handout_id_or_path_is_404(client, url):
    answer = get(client, url)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 404 and answer.headers["Cache-Control"] == "no-store"
    assert "<script>" not in page and "phone" not in page


def test_a_handout_search_with_markup_or_a_huge_query_is_cut_and_escaped(client):
    page = get(client, "/?q=<script>alert(1)</script>{{7*7}}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;{{7*7}}" in page
    huge = get(client, "/?q=" + "x" * 100_000)
    assert huge.status_code == 200 and "x" * 101 not in huge.get_data(as_text=True)
    found = get(client, f"/h/{SAMPLE}/library?exercise-search=<img src=x onerror=alert(1)>").get_data(as_text=True)
    assert "<img src=x" not in found and "No exercise in the library matches" in found


def test_a_handout_file_with_a_line_break_in_its_name_prints(clinic, guard):
    source = (clinic / "handouts" / f"{SAMPLE}.yaml").read_text()
    (clinic / "handouts" / "two\nlines.yaml").write_text(source)
    client = create_app(Clinic.open(clinic), guard).test_client()
    assert get(client, "/h/two%0Alines").status_code == 200
    answer = post(client, guard, "/h/two%0Alines/pdf", form() + [("action", "download")])
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"


@pytest.mark.parametrize("stem", ["a b", "ü-knee", "a%2fb", "a?b", "a#b", "<i>x", 'q"uote', "semi;colon"])
def test_a_handout_file_with_odd_characters_opens_and_downloads(clinic, guard, stem):
    source = (clinic / "handouts" / f"{SAMPLE}.yaml").read_text()
    (clinic / "handouts" / f"{stem}.yaml").write_text(source)
    client = create_app(Clinic.open(clinic), guard).test_client()
    index = get(client, "/").get_data(as_text=True)
    links = [html_lib.unescape(url) for url in re.findall(r'href="(/h/[^"]*)"', index)]
    link = next(url for url in links if url != f"/h/{SAMPLE}")
    assert get(client, link).status_code == 200
    answer = post(client, guard, f"{link}/pdf", form() + [("action", "download")])
    assert answer.mimetype == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")


# ------------------------------------------------------------------ the locks from odd angles

@pytest.mark.parametrize("host,allowed", [
    ("127.0.0.1.evil.com", False), ("127.0.0.1.evil.com:8000", False), ("localhost.", False),
    ("localhost.:8000", False), ("[::1]", True), ("[::ffff:127.0.0.1]:8000", True),
    ("[fe80::1%25eth0]:8000", False), ("[fe80::1%eth0]:8000", False), ("fe80::1%eth0", False),
    ("0x7f.0.0.1", False), ("2130706433", False), ("127.1", False), ("", False), ("127.0.0.1:8000:9000", False),
    ("localhost:8000, evil.com", False), ("127.0.0.1 evil.com", False), ("127.0.0.1@evil.com", False),
    ("[evil.com]", False), ("[::1].evil.com:80", False)])
def test_odd_host_headers_are_refused_unless_an_address(client, host, allowed):
    answer = client.get("/", headers={"Host": host})
    assert answer.status_code == (200 if allowed else 403), host
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_token_in_an_address_opens_no_lock(client, guard):
    fields = dict(form(patient=PATIENT))
    answer = client.post(f"{PREVIEW}?{TOKEN_FIELD}={guard.token}", data=fields, base_url=f"http://{HOST}")
    assert answer.status_code == 403 and "Quixote" not in answer.get_data(as_text=True)
    page = get(client, f"/h/{SAMPLE}?{TOKEN_FIELD}={guard.token}").get_data(as_text=True)
    urls = re.findall(r'(?:href|src|hx-get|hx-post|action)="([^"]*)"', page)
    assert urls and not any(guard.token in url for url in urls)  # the token is never put in an address


def test_sec_fetch_site_none_still_needs_the_token(client, guard):
    none = {"Sec-Fetch-Site": "none"}
    assert post(client, guard, PREVIEW, form(), **none).status_code == 200
    bare = client.post(PREVIEW, data=dict(form()), headers=none, base_url=f"http://{HOST}")
    assert bare.status_code == 403
    forged = client.post(PREVIEW, data=dict(form(), **{TOKEN_FIELD: guard.token[:-1]}), headers=none,
                         base_url=f"http://{HOST}")
    assert forged.status_code == 403
    header = client.post(PREVIEW, data=dict(form()), base_url=f"http://{HOST}",
                         headers={"Sec-Fetch-Site": "cross-site", "X-CSRF-Token": guard.token})
    assert header.status_code == 403


@pytest.mark.parametrize("authorization", ["Basic !!!", "Basic", "Bearer abc", "Digest username=x",
                                           "Basic eDr//g==", "Basic bm9jb2xvbg=="])
def test_a_malformed_password_header_is_asked_again_not_an_error(clinic, authorization):
    client = create_app(Clinic.open(clinic), Guard(password="pässwörd")).test_client()
    answer = client.get("/", headers={"Authorization": authorization}, base_url=f"http://{HOST}")
    assert answer.status_code == 401 and answer.headers["Cache-Control"] == "no-store"


# ------------------------------------------------------------------ several therapists at once

def test_previews_posted_at_once_each_get_their_own_page(client, guard):
    app = client.application
    patients = {"Ann Alpha": "7", "Bob Bravo": "9", "Cy Charlie": "3"}
    pages: dict[str, list[str]] = {}

    def therapist(name: str, reps: str) -> None:
        own = app.test_client()
        data = MultiDict(form(patient=name, dose__1__reps=reps) + [(TOKEN_FIELD, guard.token)])
        pages[name] = [own.post(PREVIEW, data=data, headers={"Sec-Fetch-Site": "same-origin"},
                                base_url=f"http://{HOST}").get_data(as_text=True) for _ in range(2)]

    threads = [threading.Thread(target=therapist, args=item) for item in patients.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(pages) == sorted(patients)
    for name, answers in pages.items():
        for html in answers:
            text = words(html)
            assert f"For: {name} " in text and f"Do {patients[name]} times on each leg." in text
            assert not any(other in html for other in patients if other != name)


# ------------------------------------------------------------------ every answer: headers and privacy

def test_every_error_answer_is_kept_out_of_caches_and_echoes_no_name(clinic, guard, monkeypatch, capsys):
    from handoutgen.web import form as web_form

    client = create_app(Clinic.open(clinic), guard).test_client()
    answers = {
        401: create_app(Clinic.open(clinic), Guard(password="pw")).test_client().post(
            PREVIEW, data=dict(form(patient=PATIENT)), base_url=f"http://{HOST}"),
        403: client.post(PREVIEW, data=dict(form(patient=PATIENT)), base_url=f"http://{HOST}"),
        404: post(client, guard, "/h/no-such/pdf", form(patient=PATIENT)),
        405: client.put(PDF, data=dict(form(patient=PATIENT)), base_url=f"http://{HOST}"),
        413: post(client, guard, PREVIEW, form(patient=PATIENT, therapist="x" * 300_000)),
        422: post(client, guard, PDF, form(patient=PATIENT, dose__1__sets="99")),
    }
    real = web_form.discharge

    def broken(choices, base):
        real(choices, base)
        raise RuntimeError(f"could not place {choices.patient!r} for {choices.therapist}")

    monkeypatch.setattr(web_form, "discharge", broken)
    answers[500] = post(client, guard, PDF, form(patient=PATIENT, therapist="Sam Lee"))
    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["Cache-Control"] == "no-store", status
        assert answer.headers["Referrer-Policy"] == "no-referrer", status
        page = answer.get_data(as_text=True)
        assert "Traceback" not in page, status
        if status == 422:  # the editor again: the name only in its own input, for fixing
            assert page.count("Quixote") == 1 and f'value="{PATIENT}"' in page
        else:
            assert "Quixote" not in page, status
    err = capsys.readouterr().err
    assert "could not place '<patient>' for <therapist>" in err
    assert "Quixote" not in err and "Zabaleta" not in err and "Sam" not in err


def test_a_printed_pdf_is_named_after_the_handout_and_nothing_is_written(client, guard, clinic, tmp_path,
                                                                          monkeypatch, capfd):
    cache = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTGEN_CACHE_DIR", str(cache))

    def files() -> dict[Path, tuple[int, int]]:
        return {p: (p.stat().st_size, p.stat().st_mtime_ns)
                for folder in (clinic, cache) if folder.exists() for p in folder.rglob("*") if p.is_file()}

    def discharge(patient: str, therapist: str) -> None:
        for action in ("print", "download"):
            answer = post(client, guard, PDF, form(patient=patient, therapist=therapist) + [("action", action)])
            assert answer.mimetype == "application/pdf"
            assert patient not in str(answer.headers) and therapist not in str(answer.headers)
            assert answer.headers["Content-Disposition"].endswith(f"filename={SAMPLE}.pdf")
        post(client, guard, PREVIEW, form(patient=patient, therapist=therapist))
        post(client, guard, EXERCISES, form(patient=patient, therapist=therapist) + [("remove", "1")])

    discharge("Ann Alpha", "Bob Bravo")  # the first patient's renders may fill the cache (pictures, fonts)
    before = files()
    discharge(PATIENT, "Zoë Ölund")
    assert files() == before  # a new patient leaves nothing on disk, not even in the cache
    for path in files():
        data = path.read_bytes()
        assert b"Quixote" not in data and "Quixote".encode("utf-16-be") not in data, path
    out, err = capfd.readouterr()
    assert "Quixote" not in out + err and "Ölund" not in out + err


# ------------------------------------------------------------------ the real server, on 127.0.0.1

def _start_serve(clinic: Path) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-m", "handoutgen", "serve", "--port", "0", "--root", str(clinic)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"), start_new_session=True)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        _kill_group(process)
        pytest.fail(f"serve did not start: {line!r} {process.stderr.read()}")
    return process, int(match.group(1))


def _alive_in_group(group: int) -> list[int]:
    """The processes of `group` still running (zombies, already ended, are not counted)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _kill_group(process: subprocess.Popen) -> None:
    """The server and every process it started (its own session: nothing else is in it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)
    process.stdout.close()
    process.stderr.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import shutil

    from conftest import REPO

    root = tmp_path_factory.mktemp("served")
    shutil.copy(REPO / "brand.yaml", root / "brand.yaml")
    for folder in ("handouts", "exercises", "images"):
        shutil.copytree(REPO / folder, root / folder)
    process, port = _start_serve(root)
    yield port
    _kill_group(process)


def raw(port: int, request: bytes) -> bytes:
    """One HTTP exchange as sent, byte for byte (http.client would tidy the odd parts)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    return answer


def _get(host: bytes, path: bytes = b"/") -> bytes:
    return b"GET " + path + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"


@pytest.mark.parametrize("host,status", [(b"xn--lcalhost", b"403"), (b"xn--lcalhost:8000", b"403"),
                                         (b"[fe80::1%eth0]:80", b"403"), (b"[fe80::1%25eth0]", b"403"),
                                         (b"localhost.", b"403"), (b"127.0.0.1.evil.com", b"403"),
                                         (b"\xff\xfe", b"403"), (b"[::1]", b"200"), (b"127.0.0.1", b"200")])
def test_the_real_server_answers_odd_hosts_without_a_traceback(server, host, status):
    answer = raw(server, _get(host))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status, head
    assert b"Cache-Control: no-store" in head and b"Traceback" not in body


def test_the_real_server_refuses_a_huge_address_and_odd_paths_cleanly(server):
    long = raw(server, _get(b"127.0.0.1", b"/?q=" + b"x" * 60_000))
    assert long.startswith(b"HTTP/1.1 200") and b"x" * 101 not in long
    for path in (b"/h/a%00b", b"/h/..%2fbrand", b"/h/../brand.yaml", b"/static/../../brand.yaml",
                 b"/static/..%2f..%2fbrand.yaml"):
        answer = raw(server, _get(b"127.0.0.1", path))
        assert answer.startswith(b"HTTP/1.1 404"), path
        assert b"More 4 Life" not in answer.partition(b"\r\n\r\n")[2] or b"<title>" in answer


def test_the_real_servers_own_refusals_echo_nothing(server):
    """Requests waitress refuses before the page sees them: the answer names no part of them."""
    requests = [b"GET / HTTP/1.1\r\nHost: Quixote\x00\r\nConnection: close\r\n\r\n",
                b"GARBAGE Quixote\r\n\r\n",
                b"POST " + PREVIEW.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\npatient=Quixote",
                _get(b"127.0.0.1", b"/?q=Quixote" + b"x" * 300_000)]
    for request in requests:
        answer = raw(server, request)
        assert answer.split(b" ")[1] in (b"400", b"403", b"413", b"431"), answer[:80]
        assert b"Quixote" not in answer


def test_the_real_servers_own_refusals_repeat_nothing_of_the_request(server):
    """waitress answers a malformed request, or a body over its 1 MB limit, itself (without the
    page's headers, as docs/serve.md says): its answer repeats nothing that was sent."""
    secret = b"Quixote"
    for request in (b"GARBAGE " + secret + b"\r\n\r\n",
                    b"POST " + PREVIEW.encode() + b"?" + secret + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Length: 2000000\r\nConnection: close\r\n\r\n"):
        answer = raw(server, request)
        assert answer.startswith(b"HTTP/1.") and b" 200 " not in answer.split(b"\r\n")[0]
        assert secret not in answer


def test_sigterm_stops_serve_and_every_process_it_started(clinic):
    process, port = _start_serve(clinic)
    try:
        assert raw(port, _get(b"127.0.0.1")).startswith(b"HTTP/1.1 200")
        # A client that never sends the body it announced must not keep the server up.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as stuck:
            stuck.sendall(b"POST " + PREVIEW.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nab")
            time.sleep(0.2)
            process.terminate()
            assert process.wait(timeout=10) == 0
        deadline = time.monotonic() + 10
        while _alive_in_group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _alive_in_group(process.pid) == []
        assert "Traceback" not in process.stderr.read()
    finally:
        _kill_group(process)


# ------------------------------------------------------------------ accessibility under hostile input

def test_pages_full_of_problems_keep_ids_unique_and_every_label_target(client, guard):
    """Odd exercise keys (quotes, dots, markup) and a problem in every field still give a page
    whose ids are unique and whose labels and descriptions all point at something."""
    keys = ["1", "2", 'a"b', "x.y", "<b>k</b>", "heel-raise"]
    fields = items(keys, patient="x" * 61, therapist="\u200b", date="bad", lang="xx", dose__1__reps="0")
    pages = {"editor (422)": post(client, guard, PDF, fields),
             "exercises": post(client, guard, EXERCISES, fields + [("add", "../brand")]),
             "preview": post(client, guard, PREVIEW, fields)}
    for label, answer in pages.items():
        html = text_of(answer)
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), label
        targets = re.findall(r'(?:aria-describedby|aria-labelledby|for)="([^"]+)"', html)
        assert not [t for t in targets if t not in ids], label
        assert targets or label == "preview", label  # the preview's messages go beside the editor's fields
    editor = text_of(pages["editor (422)"])
    for key in keys:  # each odd key is sent back exactly as it came, as data
        assert f'name="item" value="{escape(key)}"' in editor, key
