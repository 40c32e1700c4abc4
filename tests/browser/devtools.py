"""Headless Chromium driven over the DevTools protocol on a pipe
(--remote-debugging-pipe), with only Python's standard library: shared by
the browser tests (tests/browser/drive.py, tests/client_js/browser_follow.py).

    dt = DevTools(chromium_argv(path, profile_dir), log_file)
    dt.attach_page()              # the first page target, Page/Runtime on
    dt.call("Page.navigate", {"url": url}); dt.evaluate("1 + 1")
    screenshot(dt, "out.png"); dt.close()
    serve_directory(dir)          # a static HTTP server on 127.0.0.1
"""

import base64
import functools
import http.server
import json
import os
import select
import ssl
import subprocess
import threading
import time

WAIT_S = 30


class Failure(Exception):
    pass


class DevTools:
    """A DevTools protocol session over Chromium's debugging pipe: fd 3 is
    Chromium's input, fd 4 its output, messages end with a NUL byte."""

    def __init__(self, argv, log):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire_fds():
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     preexec_fn=wire_fds, close_fds=False)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.session = None
        self.console = []

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise Failure("Chromium did not answer on the DevTools pipe")
            chunk = os.read(self.from_chrome, 65536)
            if not chunk:
                raise Failure("Chromium closed the DevTools pipe (see chromium.log)")
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + WAIT_S
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure(f"{method}: {reply['error']}")
                return reply["result"]
            self._event(reply)

    def _event(self, msg):
        method = msg.get("method")
        if method == "Runtime.consoleAPICalled":
            args = [a.get("value", a.get("description", "")) for a in msg["params"]["args"]]
            self.console.append(" ".join(str(a) for a in args))
        elif method == "Runtime.exceptionThrown":
            self.console.append("exception: " + json.dumps(msg["params"]["exceptionDetails"]))

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise Failure(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def attach_page(self):
        """Attaches to the first page target; Page and Runtime events on."""
        target = next((t for t in self.call("Target.getTargets", session=False)["targetInfos"]
                       if t["type"] == "page"), None)
        if not target:
            raise Failure("Chromium opened no page")
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target["targetId"], "flatten": True},
                                 session=False)["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")

    def close(self):
        try:
            self.call("Browser.close", session=False)
        except (Failure, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)


def chromium_argv(path, profile, trust_spki=None):
    """Chromium's command line; trust_spki: the base64 SHA-256 of a test
    CA's public key, whose certificates Chromium then accepts."""
    trust = [f"--ignore-certificate-errors-spki-list={trust_spki}"] if trust_spki else []
    return [path, *trust, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions",
            "--hide-scrollbars", "--window-size=1280,900", f"--user-data-dir={profile}",
            "--remote-debugging-pipe", "about:blank"]


def serve_directory(directory, cert=None, key=None):
    """Serves DIRECTORY on a free 127.0.0.1 port, over TLS if cert and key
    (PEM files) are given; returns the server."""
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass


def screenshot(dt, path):
    metrics = dt.call("Page.getLayoutMetrics")
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": max(1280, size["width"]), "height": size["height"],
            "scale": 1}
    shot = dt.call("Page.captureScreenshot",
                   {"format": "png", "clip": clip, "captureBeyondViewport": True})
    with open(path, "wb") as f:
        f.write(base64.b64decode(shot["data"]))
