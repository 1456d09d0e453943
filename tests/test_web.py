"""`handoutgen serve`, route by route through Flask's test client: the flow a therapist
follows, the locks (Host, CSRF, Sec-Fetch-Site, password), the headers, and problems
shown beside their field in the CLI's words. The real browser is tests/test_browser.py."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pypdf
import pytest

from conftest import REPO, SAMPLE, is_large_print, normalize, run
from handoutgen.clinic import Clinic
from handoutgen.web.app import create_app
from handoutgen.web.guard import TOKEN_FIELD, Guard

NAME = "José Muñoz"
HOST = "127.0.0.1:8000"


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def client(clinic, guard):
    app = create_app(Clinic.open(clinic), guard)
    return app.test_client()


def post(client, guard, url: str, data: dict | list, **headers):
    """A POST as the page makes it: the token, from the same origin."""
    pairs = list(data.items()) if isinstance(data, dict) else list(data)
    pairs.append((TOKEN_FIELD, guard.token))
    headers.setdefault("Sec-Fetch-Site", "same-origin")
    return client.post(url, data=_multidict(pairs), headers=headers, base_url=f"http://{HOST}")


def get(client, url: str, **headers):
    return client.get(url, headers=headers, base_url=f"http://{HOST}")


def _multidict(pairs):
    from werkzeug.datastructures import MultiDict

    return MultiDict(pairs)


def form(**fields) -> list[tuple[str, str]]:
    """The editor's fields for the sample handout, as the page sends them."""
    base = [("items-shown", "1"), ("print-shown", "1"), ("item", "1"), ("item", "2"),
            ("date", "2026-12-01"), ("lang", "en"), ("kind", "handout")]
    replaced = {key for key, _ in fields.items()}
    pairs = [(k, v) for k, v in base if k not in replaced]
    for key, value in fields.items():
        for one in value if isinstance(value, list) else [value]:
            pairs.append((key.replace("__", "."), one))
    return pairs


def pdf_text(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [normalize(page.extract_text()) for page in reader.pages]


def slot(html: str, name: str) -> str:
    """The text of one field's message place."""
    match = re.search(rf'<p class="field-error" id="err-{re.escape(name)}"[^>]*>(.*?)</p>', html, re.DOTALL)
    assert match, f"no message place for {name}"
    return re.sub(r"<[^>]+>", " ", match.group(1)).strip()


def unescape(html: str) -> str:
    import html as lib

    return lib.unescape(html)


# ------------------------------------------------------------------ the flow

def test_the_list_shows_every_handout_and_searches_them(client):
    page = get(client, "/").get_data(as_text=True)
    assert "Relieve Knee Arthritis Pain When Walking" in page
    assert f'href="/h/{SAMPLE}"' in page
    found = get(client, "/?q=ARTHRITIS walking", **{"HX-Request": "true"}).get_data(as_text=True)
    assert "Relieve Knee Arthritis" in found and "<html" not in found  # the list alone, for htmx
    assert "No handout matches" in get(client, "/?q=shoulder").get_data(as_text=True)


def test_the_editor_shows_fields_exercises_and_the_page(client):
    page = unescape(get(client, f"/h/{SAMPLE}").get_data(as_text=True))
    for label in ("Patient's name", "Therapist's name", "Date printed", "Language", "Large print", "Pages",
                  "Push-Off and Balance", "Calf Stretch", "Remove “Calf Stretch”", "Add an exercise", "Print",
                  "Download PDF"):
        assert label in page, label
    assert 'name="dose.1.reps" value="10"' in page and 'name="dose.2.hold" value="1 min"' in page
    assert re.search(r'<img class="page" src="data:image/png;base64,', page)
    assert get(client, "/h/no-such-handout").status_code == 404
    assert get(client, "/h/..%2Fbrand").status_code == 404


def test_the_preview_answers_with_a_picture_and_no_messages(client, guard):
    answer = post(client, guard, f"/h/{SAMPLE}/preview", form(patient=NAME))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert html.count("data:image/png;base64,") == 1 and "1 page" in html
    assert slot(html, "patient") == "" and 'id="err-dose-1-reps" hx-swap-oob="true"' in html


def test_print_and_download_give_the_personalised_pdf(client, guard):
    fields = form(patient=NAME, therapist="Sam Lee", dose__1__reps="8")
    printed = post(client, guard, f"/h/{SAMPLE}/pdf", fields + [("action", "print")])
    assert printed.mimetype == "application/pdf"
    assert printed.headers["Content-Disposition"].startswith("inline")
    text = pdf_text(printed.data)
    assert len(text) == 1 and NAME in text[0] and "Sam Lee" in text[0]
    assert "Do 8 times on each leg. Do 5 sets." in text[0]
    assert "December 1, 2026" in text[0]
    downloaded = post(client, guard, f"/h/{SAMPLE}/pdf", fields + [("action", "download")])
    assert downloaded.headers["Content-Disposition"] == f"attachment; filename={SAMPLE}.pdf"
    assert pdf_text(downloaded.data) == text


def test_the_web_pdf_is_the_cli_pdf(client, guard, clinic, tmp_path):
    """The same renderer: byte for byte what `render` writes for the same choices."""
    out = tmp_path / "cli.pdf"
    done = run("render", SAMPLE, "--patient", NAME, "--date", "2026-12-01", "--dose", "1.reps=8",
               "--skip", "2", "--add", "heel-raise", "--kind", "both", "-o", str(out), root=clinic)
    assert done.exit_code == 0, done.output
    fields = form(patient=NAME, dose__1__reps="8", item=["1", "heel-raise"], kind="both")
    web = post(client, guard, f"/h/{SAMPLE}/pdf", fields + [("action", "download")])
    assert web.data == out.read_bytes()


def test_remove_and_add_an_exercise(client, guard):
    removed = post(client, guard, f"/h/{SAMPLE}/exercises", form(patient=NAME) + [("remove", "1")])
    html = unescape(removed.get_data(as_text=True))
    assert "Push-Off and Balance" not in html.split('id="preview"')[0]
    assert 'data-focus="remove-0"' in html  # the keyboard lands on the next Remove button
    assert 'id="preview" hx-swap-oob="innerHTML"' in html and "data:image/png;base64," in html
    assert NAME not in html.split('id="preview"')[0]  # the name comes back only on the page itself
    found = unescape(get(client, f"/h/{SAMPLE}/library?exercise-search=heel").get_data(as_text=True))
    assert 'value="heel-raise"' in found and "Add “Heel Raise”" in found
    assert "No exercise in the library matches" in get(
        client, f"/h/{SAMPLE}/library?exercise-search=zzz").get_data(as_text=True)
    added = unescape(post(client, guard, f"/h/{SAMPLE}/exercises", form(item=["2"]) + [("add", "heel-raise")])
                     .get_data(as_text=True))
    assert re.search(r"2\. Heel Raise <span class=\"tag\">added</span>", added)
    assert 'name="item" value="heel-raise"' in added and 'data-focus="add-exercise"' in added
    pdf = post(client, guard, f"/h/{SAMPLE}/pdf", form(item=["2", "heel-raise"]))
    text = pdf_text(pdf.data)[0]
    assert "Heel Raise" in text and "Calf Stretch" in text and "Push-Off" not in text


def test_spanish_large_print_and_both(client, guard):
    fields = form(patient=NAME, lang="es", large_print="1", kind="both")
    pdf = post(client, guard, f"/h/{SAMPLE}/pdf", fields)
    reader = pypdf.PdfReader(io.BytesIO(pdf.data))
    text = " ".join(pdf_text(pdf.data))
    assert "Alivie el dolor de la artrosis de rodilla al caminar" in text and NAME in text
    assert is_large_print(reader)
    assert len(reader.pages) >= 2  # handout, then its checklist


def test_unticking_large_print_prints_normal_print(client, guard, clinic):
    (clinic / "handouts" / f"{SAMPLE}.yaml").write_text(
        (clinic / "handouts" / f"{SAMPLE}.yaml").read_text() + "large_print: true\n")
    page = get(client, f"/h/{SAMPLE}").get_data(as_text=True)
    assert re.search(r'id="large_print"[^>]*checked', page)  # the handout's own choice, shown
    pdf = post(client, guard, f"/h/{SAMPLE}/pdf", form())  # the box sent unticked
    assert not is_large_print(pypdf.PdfReader(io.BytesIO(pdf.data)))


# ------------------------------------------------------------------ problems beside their fields

def _cli_message(clinic: Path, *args: str) -> str:
    """What `render` says, without its "error: " and its place (the page shows the field instead)."""
    done = run("render", SAMPLE, *args, "-o", "-", root=clinic)
    assert done.exit_code == 1
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("error: command line: --dose "), line
    return line.split(": ", 3)[-1]


def test_a_bad_dose_is_said_beside_its_field_in_the_cli_words(client, guard, clinic):
    expected = _cli_message(clinic, "--dose", "1.reps=lots")
    answer = post(client, guard, f"/h/{SAMPLE}/preview", form(dose__1__reps="lots"))
    html = unescape(answer.get_data(as_text=True))
    assert slot(html, "dose-0-reps") == expected
    assert "must be a whole number" in expected
    assert "data:image/png" not in html  # no picture of a page that cannot print
    assert slot(html, "patient") == ""


def test_a_bad_duration_and_a_bad_date_each_beside_their_field(client, guard, clinic):
    answer = post(client, guard, f"/h/{SAMPLE}/preview", form(dose__2__hold="a while", date="1/12/2026"))
    html = unescape(answer.get_data(as_text=True))
    assert slot(html, "dose-1-hold") == _cli_message(clinic, "--dose", "2.hold=a while")
    assert slot(html, "date") == 'must be a date written as YYYY-MM-DD, e.g. 2026-12-01 (got "1/12/2026")'


def test_a_name_too_long_is_said_beside_the_name_without_echoing_it(client, guard):
    long_name = "Maximiliana " * 8
    html = unescape(post(client, guard, f"/h/{SAMPLE}/preview", form(patient=long_name)).get_data(as_text=True))
    assert slot(html, "patient") == ("is 95 characters long; at most 60 fit the page: "
                                     "shorten it (e.g. initials for middle names)")
    assert "Maximiliana" not in html


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(REPO / "tests" / "programs", root)
    return root


def test_a_page_that_no_longer_fits_is_said_beside_pages(corpus, tmp_path):
    handout = "total-knee-replacement"
    done = run("render", handout, "--pages", "1", "-o", str(tmp_path / "x.pdf"), root=corpus)
    assert done.exit_code == 1, "the corpus handout must not fit on one page for this test"
    expected = done.stderr.strip().split(": ", 2)[-1]
    guard = Guard()
    client = create_app(Clinic.open(corpus), guard).test_client()
    items = [("item", str(n)) for n in range(1, 9)]
    fields = [(k, v) for k, v in form(pages="1") if k != "item"] + items
    html = unescape(post(client, guard, f"/h/{handout}/preview", fields).get_data(as_text=True))
    assert slot(html, "pages") == expected
    assert "does not fit on one page" in expected and "(or --pages 2)" in expected
    answer = post(client, guard, f"/h/{handout}/pdf", fields)
    assert answer.status_code == 422 and slot(unescape(answer.get_data(as_text=True)), "pages") == expected


def test_a_pdf_with_a_problem_gives_the_page_back_with_the_message(client, guard):
    answer = post(client, guard, f"/h/{SAMPLE}/pdf", form(patient=NAME, dose__1__sets="99"))
    html = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 422 and answer.mimetype == "text/html"
    assert "must be" in slot(html, "dose-0-sets")
    assert f'value="{NAME}"' in html  # what was typed is kept, for fixing
    assert 'name="dose.1.sets" value="99"' in html


def test_a_handout_with_a_mistake_opens_as_its_problems(client, clinic):
    (clinic / "handouts" / "broken.yaml").write_text("title: Broken\nexercises:\n  - use: no-such-exercise\n")
    expected = [line.removeprefix("error: ") for line in run("check", root=clinic).stderr.splitlines()
                if line.startswith("error: handouts/broken.yaml")]
    answer = get(client, "/h/broken")
    page = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 422 and expected
    assert all(message in page for message in expected)
    assert "Traceback" not in page


# ------------------------------------------------------------------ the locks

def test_a_post_without_the_token_is_refused(client, guard):
    url = f"/h/{SAMPLE}/preview"
    assert client.post(url, data=dict(form()), base_url=f"http://{HOST}").status_code == 403
    bad = dict(form(), **{TOKEN_FIELD: "forged"})
    assert client.post(url, data=bad, base_url=f"http://{HOST}").status_code == 403
    header = client.post(url, data=dict(form()), headers={"X-CSRF-Token": guard.token}, base_url=f"http://{HOST}")
    assert header.status_code == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_post_from_another_site_is_refused_even_with_the_token(client, guard, site):
    answer = post(client, guard, f"/h/{SAMPLE}/pdf", form(patient=NAME), **{"Sec-Fetch-Site": site})
    assert answer.status_code == 403
    assert NAME not in answer.get_data(as_text=True)


@pytest.mark.parametrize("host,allowed", [("127.0.0.1:8000", True), ("localhost:8000", True), ("[::1]:8000", True),
                                          ("192.168.1.20:8000", True), ("LOCALHOST", True),
                                          ("evil.example:8000", False), ("attacker.localhost.evil:8000", False),
                                          ("frontdesk.local:8000", False)])
def test_the_host_allow_list_stops_dns_rebinding(client, host, allowed):
    answer = client.get("/", base_url=f"http://{host}")
    assert (answer.status_code == 200) is allowed
    if not allowed:
        assert answer.status_code == 403
        assert "--allow-host" in answer.get_data(as_text=True)


def test_an_allowed_name_is_served(clinic):
    client = create_app(Clinic.open(clinic), Guard(allowed_names=frozenset({"frontdesk.local"}))).test_client()
    assert client.get("/", base_url="http://frontdesk.local:8000").status_code == 200


def test_a_password_guards_every_page(clinic):
    guard = Guard(password="s3cret words")
    client = create_app(Clinic.open(clinic), guard).test_client()
    for url in ("/", f"/h/{SAMPLE}", "/static/style.css", "/staff/brand"):
        answer = client.get(url, base_url=f"http://{HOST}")
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/", base_url=f"http://{HOST}", auth=("x", "wrong")).status_code == 401
    assert client.get("/", base_url=f"http://{HOST}", auth=("anyone", "s3cret words")).status_code == 200


def test_every_answer_is_kept_out_of_caches_and_referrers(client, guard):
    answers = [get(client, "/"), get(client, f"/h/{SAMPLE}"), get(client, "/static/htmx.min.js"),
               get(client, "/h/nope"), client.get("/", base_url="http://evil.example"),
               post(client, guard, f"/h/{SAMPLE}/preview", form(patient=NAME)),
               post(client, guard, f"/h/{SAMPLE}/pdf", form(patient=NAME))]
    for answer in answers:
        assert answer.headers["Cache-Control"] == "no-store"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in answers[1].headers["Content-Security-Policy"]


def test_a_form_too_big_is_refused(client, guard):
    answer = post(client, guard, f"/h/{SAMPLE}/preview", form(patient="x" * 300_000))
    assert answer.status_code == 413


# ------------------------------------------------------------------ privacy

def test_the_name_travels_only_in_post_bodies(client, guard):
    """No link, form action or htmx request the page makes carries a name: every GET
    the page can make is built by the server, and none of them from the form."""
    for html in (get(client, f"/h/{SAMPLE}").get_data(as_text=True),
                 post(client, guard, f"/h/{SAMPLE}/pdf", form(patient=NAME, dose__1__sets="99")).get_data(as_text=True),
                 post(client, guard, f"/h/{SAMPLE}/exercises", form(patient=NAME) + [("remove", "2")])
                 .get_data(as_text=True)):
        gets = [url for url in re.findall(r'(?:href|src|hx-get|action)="([^"]*)"', html)
                if not url.startswith("data:")]
        assert gets and not any("Mu" in url or "patient" in url for url in gets)
    page = get(client, f"/h/{SAMPLE}").get_data(as_text=True)
    assert re.search(r'<form id="handout-form"[^>]*method="post"', page)


def test_a_bug_shows_no_name_and_logs_none(client, guard, monkeypatch, capsys):
    from handoutgen.web import app as web_app

    def broken(self, path, discharge, kind, picture=False, **turn):
        raise RuntimeError(f"could not draw {discharge.patient}")
    monkeypatch.setattr(web_app.Studio, "render", broken)
    answer = post(client, guard, f"/h/{SAMPLE}/preview", form(patient=NAME))
    assert answer.status_code == 500
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: could not draw <patient>" in err
    assert "Muñoz" not in err and "Muñoz" not in answer.get_data(as_text=True)


# ------------------------------------------------------------------ staff pages

def test_the_brand_preview_shows_the_brand_on_a_handout(client):
    page = unescape(get(client, "/staff/brand").get_data(as_text=True))
    assert "More 4 Life Physical Therapy" in page and "data:image/png;base64," in page
    assert "primary #" in page


def test_the_check_page_says_what_check_says(client, guard, clinic):
    (clinic / "handouts" / "broken.yaml").write_text("title: Broken\nexercises:\n  - use: no-such-exercise\n")
    cli = run("check", root=clinic)
    expected = [line.removeprefix("error: ") for line in cli.stderr.splitlines() if line.startswith("error: ")]
    assert expected
    page = unescape(post(client, guard, "/staff/check", []).get_data(as_text=True))
    for message in expected:
        assert message in page
    assert "1 ok, 1 failed" in page and "failed</strong>" in page
    again = unescape(get(client, "/staff/check").get_data(as_text=True))  # kept: the files did not change
    assert "1 ok, 1 failed" in again and all(message in again for message in expected)


def test_worker_processes_make_the_same_pdf_and_survive_a_dead_worker(clinic, guard):
    """serve's workers (web.make): the same bytes as in the server's own process; a worker
    killed (e.g. out of memory) is replaced and the page made again."""
    import os
    import signal

    fields = form(patient=NAME, dose__1__reps="8") + [("action", "download")]
    alone = post(client_for(clinic, guard, 0), guard, f"/h/{SAMPLE}/pdf", fields).data
    app = create_app(Clinic.open(clinic), guard, workers=1)
    try:
        pooled = app.test_client()
        assert post(pooled, guard, f"/h/{SAMPLE}/pdf", fields).data == alone
        maker = app.extensions["handoutgen"].make
        dead = maker.processes
        for pid in dead:
            os.kill(pid, signal.SIGKILL)
        again = post(pooled, guard, f"/h/{SAMPLE}/preview", form(patient=NAME))
        assert again.status_code == 200 and "data:image/png;base64," in again.get_data(as_text=True)
        assert maker.processes and not set(maker.processes) & set(dead)  # replaced
    finally:
        app.extensions["handoutgen"].make.close()


def client_for(clinic, guard, workers: int):
    return create_app(Clinic.open(clinic), guard, workers=workers).test_client()
