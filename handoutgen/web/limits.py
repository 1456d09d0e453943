"""The web page's limits, one definition each (docs/serve.md, "Limits"): what one request
may carry and how long it may take, and how long a connection may dawdle."""

from handoutgen.models import MAX_EXERCISES

MAX_BODY = 256 * 1024  # bytes of one request: a form of 100 exercises is far less
DOSE_FIELD_COUNT = 9  # sets, reps, hold, duration, rest, side, limb, times a day, days a week
# Fields of one request (form or address): each exercise sends its card (`item`) and its dose
# fields, the rest of the form about a dozen.
MAX_FIELDS = MAX_EXERCISES * (1 + DOSE_FIELD_COUNT) + 100

TURN_WAIT = 10.0  # seconds a request may wait for a worker before "the server is busy"
RENDER_BUDGET = 10.0  # seconds one page may take to make before "too large to preview"
CHECK_BUDGET = 600.0  # seconds "Check every handout" may take (in its own process)

# Connections (waitress): a request must arrive whole within REQUEST_DEADLINE of its first
# byte; a connection that sends nothing for IDLE_TIMEOUT is closed; at most CONNECTIONS open.
REQUEST_DEADLINE = 10.0
IDLE_TIMEOUT = 15.0
CONNECTIONS = 500
THREADS = 24  # requests handled at once (most of them wait for a worker: web.make)

# Wrong passwords from one address: after FREE_GUESSES, each next try waits twice as long
# as the one before (from GUESS_DELAY seconds, at most GUESS_DELAY_MAX); other addresses never wait.
FREE_GUESSES = 3
GUESS_DELAY = 1.0
GUESS_DELAY_MAX = 60.0
