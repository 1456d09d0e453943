"""`handoutgen serve` against requests that cost the server more than they should: work
started from another site, forms with absurd numbers of fields or exercises, previews typed
faster than they can be made, pages over their time budget, and password guessing.
Every test asserts what is answered, never how fast (bench/serve_load.py --abuse measures)."""

from __future__ import annotations

import threading
import time

import pytest
from test_web import HOST, form, get, post, unescape
from werkzeug.datastructures import MultiDict

from conftest import SAMPLE
from handoutgen.clinic import Clinic
from handoutgen.web.app import create_app
from handoutgen.web.guard import TOKEN_HEADER, Guard

PREVIEW = f"/h/{SAMPLE}/preview"
PDF = f"/h/{SAMPLE}/pdf"
EXERCISES = f"/h/{SAMPLE}/exercises"
HX = {"HX-Request": "true"}
WAIT = 30  # seconds a test thread may take before it counts as stuck (never reached when all is well)


@pytest.fixture
def guard() -> Guard:
    return Guard()


@pytest.fixture
def app(clinic, guard):
    app = create_app(Clinic.open(clinic), guard)
    yield app
    app.extensions["handoutgen"].make.close()


def studio(app):
    return app.extensions["handoutgen"]


def in_thread(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def settle(app, waiting: int) -> None:
    """Until `waiting` requests wait for their turn (a server without Turns: a moment)."""
    turns = getattr(studio(app).make, "turns", None)
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if turns is None:
            time.sleep(0.5)
            return
        if turns.waiting() >= waiting:
            return
        time.sleep(0.01)


@pytest.fixture
def held(monkeypatch):
    """web.make.make held (for the patients named in `held.names`) until `held.release` is set;
    `held.calls`: every patient whose page was made, in order."""
    from handoutgen.web import make as web_make

    real = web_make.make

    class Held:
        names: set[str] = set()
        release = threading.Event()
        started = threading.Event()
        calls: list[str | None] = []

    def make(clinic, path, discharge, kind, picture):
        Held.calls.append(discharge.patient)
        if discharge.patient in Held.names:
            Held.started.set()
            Held.release.wait(WAIT)
        return real(clinic, path, discharge, kind, picture)

    monkeypatch.setattr(web_make, "make", make)
    yield Held
    Held.release.set()


# ------------------------------------------------------------------ work started by another site

def test_an_image_of_the_check_page_runs_no_check(app, guard):
    """<img src=".../staff/check"> on any site: refused as the browser says where it is from,
    and even without those headers the page runs nothing: the check is a POST with the token."""
    client = app.test_client()
    image = get(client, "/staff/check", **{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors",
                                          "Sec-Fetch-Dest": "image"})
    assert image.status_code == 403 and "not load it into its own" in image.get_data(as_text=True)
    page = unescape(get(client, "/staff/check").get_data(as_text=True))
    assert "Check every handout now" in page and " ok, " not in page  # nothing checked
    assert client.post("/staff/check", base_url=f"http://{HOST}").status_code == 403  # no token
    cross = post(client, guard, "/staff/check", [], **{"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    done = unescape(post(client, guard, "/staff/check", []).get_data(as_text=True))
    assert "1 ok, 0 failed" in done


def test_a_link_from_another_site_still_opens_the_page(app):
    answer = get(app.test_client(), "/", **{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
                                            "Sec-Fetch-Dest": "document"})
    assert answer.status_code == 200


def test_a_get_of_the_check_page_never_holds_up_a_preview(app, guard, monkeypatch):
    """A check under way (here: one that never ends) and a preview: the preview is answered."""
    from handoutgen import batch

    release = threading.Event()
    real = batch.build

    def endless(*args, **kwargs):
        release.wait(WAIT)
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "build", endless)
    in_thread(lambda: get(app.test_client(), "/staff/check"))
    time.sleep(0.3)  # the check, if the GET starts one, is under way
    answers = []
    previewing = in_thread(lambda: answers.append(post(app.test_client(), guard, PREVIEW, form(patient="Ann"))))
    previewing.join(WAIT)
    release.set()
    assert answers and answers[0].status_code == 200 and "data:image/png" in answers[0].get_data(as_text=True)


def test_a_long_check_runs_beside_previews_and_its_result_is_kept_until_a_file_changes(app, guard, clinic):
    from handoutgen.web.check import report

    checker = studio(app).checker
    release, runs = threading.Event(), []

    def slow(clinic_, budget):
        runs.append(1)
        release.wait(WAIT)
        return report(clinic_)

    checker.run = slow
    checking = in_thread(lambda: post(app.test_client(), guard, "/staff/check", []))
    deadline = time.monotonic() + WAIT
    while not runs and time.monotonic() < deadline:
        time.sleep(0.01)
    preview = post(app.test_client(), guard, PREVIEW, form(patient="Ann"))
    assert preview.status_code == 200 and "data:image/png" in preview.get_data(as_text=True)
    page = get(app.test_client(), "/staff/check").get_data(as_text=True)
    assert "A check is under way" in page  # a GET never waits for it
    release.set()
    checking.join(WAIT)
    assert "1 ok, 0 failed" in unescape(get(app.test_client(), "/staff/check").get_data(as_text=True))
    assert "1 ok, 0 failed" in unescape(post(app.test_client(), guard, "/staff/check", []).get_data(as_text=True))
    assert len(runs) == 1  # kept: no file changed
    (clinic / "handouts" / "broken.yaml").write_text("title: Broken\nexercises:\n  - use: no-such-exercise\n")
    assert "Check every handout now" in get(app.test_client(), "/staff/check").get_data(as_text=True)
    again = unescape(post(app.test_client(), guard, "/staff/check", [], **HX).get_data(as_text=True))
    assert "1 ok, 1 failed" in again and "<html" not in again and len(runs) == 2


def test_the_check_in_its_own_process_says_what_check_says(app, guard):
    """The real thing (a process of its own), once."""
    answer = unescape(post(app.test_client(), guard, "/staff/check", [], **HX).get_data(as_text=True))
    assert "1 ok, 0 failed" in answer and 'id="check-report"' in answer


# ------------------------------------------------------------------ limits before any work

def _no_work(monkeypatch):
    """Reading the form's choices or looking up its exercises fails the test."""
    from handoutgen.web import app as web_app
    from handoutgen.web import form as web_form

    def work(*args, **kwargs):
        raise AssertionError("the request was worked on")
    monkeypatch.setattr(web_form, "read", work)
    monkeypatch.setattr(web_app.Studio, "rows", work)


def test_a_form_of_20000_fields_is_refused_before_it_is_read(app, guard, monkeypatch):
    _no_work(monkeypatch)
    client = app.test_client()
    fields = [("items-shown", "1")] + [("item", str(n)) for n in range(20_000)]
    assert len("&".join(f"{k}={v}" for k, v in fields)) < 256 * 1024  # under the body limit
    answer = client.post(PREVIEW, data=MultiDict(fields), headers={TOKEN_HEADER: guard.token, **HX},
                         base_url=f"http://{HOST}")
    html = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 413
    assert ("this form has 20,001 fields; at most 1,100 are read (100 exercises and their doses): "
            "reload the page") in html
    assert answer.headers["HX-Retarget"] == "#preview"  # said beside the form, where the page goes
    plain = client.post(PREVIEW, data=MultiDict(fields), headers={TOKEN_HEADER: guard.token}, base_url=f"http://{HOST}")
    assert plain.status_code == 413 and "at most 1,100 are read" in plain.get_data(as_text=True)


def test_a_multipart_form_or_an_address_of_too_many_fields_is_refused(app, guard, monkeypatch):
    _no_work(monkeypatch)
    client = app.test_client()
    parts = {f"dose.{n}.reps": "8" for n in range(1_200)}
    answer = client.post(PREVIEW, data={**parts, "x": (__import__("io").BytesIO(b"x"), "x.txt")},
                         headers={TOKEN_HEADER: guard.token}, content_type="multipart/form-data",
                         base_url=f"http://{HOST}")
    assert answer.status_code == 413
    many = get(client, "/?" + "&".join(f"q{n}=1" for n in range(2_000)))
    assert many.status_code == 413 and "at most 1,100 are read" in many.get_data(as_text=True)


def test_more_exercises_than_a_handout_holds_are_refused_beside_the_list_before_any_work(app, guard, monkeypatch):
    _no_work(monkeypatch)
    fields = [(k, v) for k, v in form(patient="Ann") if k != "item"] + [("item", f"x{n}") for n in range(101)]
    client = app.test_client()
    for url, status in ((PREVIEW, 200), (EXERCISES, 200), (PDF, 422)):
        answer = post(client, guard, url, fields, **HX)
        html = unescape(answer.get_data(as_text=True))
        assert answer.status_code == status, url
        assert ("101 exercises; at most 100 fit on a handout of 4 pages: remove some" in html
                and 'id="err-exercises"' in html), url


def test_adding_a_101st_exercise_is_refused_beside_the_list(app, guard):
    fields = [(k, v) for k, v in form() if k != "item"] + [("item", f"x{n}") for n in range(100)]
    answer = post(app.test_client(), guard, EXERCISES, fields + [("add", "heel-raise")])
    html = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 200 and 'name="item" value="heel-raise"' not in html
    assert "at most 100 exercises fit on a handout of 4 pages: remove one before adding another" in html


# ------------------------------------------------------------------ previews typed faster than they are made

PAGE = "page-of-one-therapist-0123"


def test_a_preview_replaced_by_a_newer_one_is_answered_at_once_and_never_made(app, guard, held):
    held.names = {"First"}
    answers: dict[str, object] = {}

    def send(name: str) -> None:
        answers[name] = post(app.test_client(), guard, PREVIEW, form(patient=name) + [("page", PAGE)], **HX)

    first = in_thread(send, "First")
    held.started.wait(WAIT)  # being made (and held)
    second = in_thread(send, "Second")
    settle(app, 1)  # waiting for its turn
    third = in_thread(send, "Third")  # the therapist typed on: "Second" is no longer wanted
    second.join(WAIT)
    assert "Second" in answers and answers["Second"].status_code == 204 and not answers["Second"].data
    held.release.set()
    first.join(WAIT)
    third.join(WAIT)
    assert answers["First"].status_code == 200 and answers["Third"].status_code == 200
    assert "Third" in answers["Third"].get_data(as_text=True)
    assert held.calls == ["First", "Third"]  # "Second" was never made


def test_a_preview_the_browser_gave_up_on_is_never_made(app, guard, held):
    """The page aborts a preview when a newer one starts (hx-sync replace): waitress sees the
    connection closed, and the preview is dropped before it starts."""
    held.names = {"First"}
    first = in_thread(lambda: post(app.test_client(), guard, PREVIEW, form(patient="First")))
    held.started.wait(WAIT)
    given_up = threading.Event()
    answers = []
    waiting = in_thread(lambda: answers.append(app.test_client().post(
        PREVIEW, data=MultiDict(form(patient="Abandoned")), headers={TOKEN_HEADER: guard.token, **HX},
        base_url=f"http://{HOST}", environ_overrides={"waitress.client_disconnected": given_up.is_set})))
    settle(app, 1)
    given_up.set()  # the browser closed the connection
    waiting.join(WAIT)
    held.release.set()
    first.join(WAIT)
    assert answers and answers[0].status_code == 204
    assert "Abandoned" not in held.calls


def test_another_pages_previews_are_never_replaced(app, guard, held):
    held.names = {"First"}
    answers: dict[str, object] = {}

    def send(name: str, page: str) -> None:
        answers[name] = post(app.test_client(), guard, PREVIEW, form(patient=name) + [("page", page)], **HX)

    first = in_thread(send, "First", PAGE)
    held.started.wait(WAIT)
    others = [in_thread(send, "Other", "another-therapists-page-0"), in_thread(send, "Mine", PAGE)]
    held.release.set()
    for thread in [first, *others]:
        thread.join(WAIT)
    assert {name: answer.status_code for name, answer in answers.items()} == {"First": 200, "Other": 200, "Mine": 200}


def test_each_page_gets_its_turn_however_many_requests_another_sends(app, guard, held):
    """One page sends three PDFs (none replaces another), then another page one: the other page's
    comes second, not last."""
    held.names = {"P1"}
    threads = []

    def send(name: str, page: str) -> None:
        post(app.test_client(), guard, PDF, form(patient=name) + [("page", page)])

    threads.append(in_thread(send, "P1", PAGE))
    held.started.wait(WAIT)
    for number, (name, page) in enumerate((("P2", PAGE), ("P3", PAGE), ("Q1", "another-therapists-page-0")), 1):
        threads.append(in_thread(send, name, page))
        settle(app, number)
    held.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert held.calls[0] == "P1" and held.calls.index("Q1") < held.calls.index("P3")


# ------------------------------------------------------------------ time budget

def test_a_page_over_its_time_budget_is_said_beside_the_form_not_a_stuck_page(app, guard, held):
    held.names = {"Huge"}
    maker = studio(app).make
    budget = getattr(maker, "budget", None)
    maker.budget = 0.2  # this render never ends in time: it is held
    answers = []
    sending = in_thread(lambda: answers.append(post(app.test_client(), guard, PREVIEW, form(patient="Huge"), **HX)))
    sending.join(WAIT)
    held.release.set()
    assert answers, "the preview never came back"
    answer = answers[0]
    html = unescape(answer.get_data(as_text=True))
    assert answer.status_code == 503 and answer.headers["HX-Retarget"] == "#preview"
    assert "this program is too large to preview: laying it out took longer than 10 seconds" in html
    maker.budget = budget
    settle_free(app)
    again = post(app.test_client(), guard, PREVIEW, form(patient="Ann"))
    assert again.status_code == 200 and "data:image/png" in again.get_data(as_text=True)


def settle_free(app) -> None:
    """Until the held render has ended (it gives its turn back when it really ends)."""
    turns = studio(app).make.turns
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and turns._free == []:
        time.sleep(0.01)


def test_a_server_too_busy_to_start_a_page_says_so(app, guard, held):
    held.names = {"First"}
    maker = studio(app).make
    first = in_thread(lambda: post(app.test_client(), guard, PREVIEW, form(patient="First")))
    held.started.wait(WAIT)
    maker.wait = 0.2
    answer = post(app.test_client(), guard, PDF, form(patient="Second") + [("page", "another-therapists-page-0")], **HX)
    held.release.set()
    first.join(WAIT)
    assert answer.status_code == 503 and "the server is busy making pages for other therapists" in unescape(
        answer.get_data(as_text=True))
    assert "Second" not in held.calls


def test_a_worker_over_budget_is_stopped_and_replaced(clinic, guard):
    app = create_app(Clinic.open(clinic), guard, workers=1)
    try:
        maker = studio(app).make
        before = maker.processes
        maker.budget = 0.0  # no page can be made in no time
        answer = post(app.test_client(), guard, PDF, form(patient="Ann"), **HX)
        assert answer.status_code == 503
        assert "this program is too large to print from this page" in unescape(answer.get_data(as_text=True))
        assert maker.processes and not set(maker.processes) & set(before)  # that worker was stopped
        maker.budget = 60.0
        again = post(app.test_client(), guard, PREVIEW, form(patient="Ann"))
        assert again.status_code == 200 and "data:image/png" in again.get_data(as_text=True)
    finally:
        maker.close()


# ------------------------------------------------------------------ password guessing

def test_password_guessing_is_slowed_for_that_computer_only(clinic):
    guard = Guard(password="correct horse")
    now = [1000.0]
    guard.guesses.clock = lambda: now[0]
    client = create_app(Clinic.open(clinic), guard).test_client()

    def attempt(password: str, address: str = "10.0.0.9"):
        return client.get("/", base_url=f"http://{HOST}", auth=("x", password), environ_base={"REMOTE_ADDR": address})

    assert [attempt(f"guess {n}").status_code for n in range(4)] == [401, 401, 401, 401]
    early = attempt("correct horse")  # too early: not even looked at
    assert early.status_code == 429 and early.headers["Retry-After"] == "1"
    assert "Too many wrong passwords from this computer: try again in 1 second." in early.get_data(as_text=True)
    assert attempt("correct horse", "10.0.0.10").status_code == 200  # another computer never waits
    now[0] += 1
    assert attempt("guess 5").status_code == 401
    assert attempt("correct horse").status_code == 429  # twice as long now
    now[0] += 2
    assert attempt("correct horse").status_code == 200
    assert attempt("guess 6").status_code == 401  # the right password cleared the count
    assert attempt("correct horse").status_code == 200
