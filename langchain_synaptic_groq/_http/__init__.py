"""HTTP for Groq.

* `exchange`: one request and its answer without I/O (the body sent, status
  to error, size limits, event-stream lines and `[DONE]`, whether to read the
  end of a stream, the HTTP library's failures as the package's errors);
* `sync` and `async_`: the thin shells that do the I/O around it;
* `clients`: the shared httpx2 clients (per process, event loop and
  environment) and the user clients accepted (httpx2's or httpx's).
"""
