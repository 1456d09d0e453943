"""`handoutgen serve`: the therapists' web page (docs/serve.md). Imported only by `serve`
and its tests, so the other commands never load Flask."""
