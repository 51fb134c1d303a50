"""A loopback receiver for watch's notifications: Slack incoming webhooks,
GitHub's REST API (commit statuses, deployments) and generic webhooks all
arrive as POSTs, recorded here for the tests to check their wire format."""
import http.server
import threading
import time


class Receiver:
    """Records every request; answers per path prefix from a script of
    (status, delay seconds) entries (the last one repeats)."""

    def __init__(self):
        self.requests = []
        self.script = {}
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers),
                                           "body": body, "at": time.time()})
                    status, delay = 200, 0
                    for prefix, steps in outer.script.items():
                        if self.path.startswith(prefix):
                            status, delay = steps[0]
                            if len(steps) > 1:
                                steps.pop(0)
                time.sleep(delay)
                answer = b"{}"
                if self.path.endswith("/deployments"):
                    status, answer = (status if status != 200 else 201), b'{"id": 42}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the client gave up (a timeout under test)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def seen(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    def wait(self, pred, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if pred(list(self.requests)):
                    return
            time.sleep(0.05)
        raise AssertionError("receiver never saw it; got %r" %
                             [(r["path"], r["body"][:200]) for r in self.requests])
