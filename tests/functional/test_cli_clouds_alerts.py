"""``refcore clouds check-alerts`` on a database (both kinds) with a cloud whose newest run
regressed: the alert is e-mailed to a real local SMTP server and POSTed, signed, to a real
local HTTP server, once however often the command runs; no secret in its output."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from contextlib import ExitStack
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from continuous_data import SECRET, required_tests, seed
from refcore_testing import _fresh_database, smtp_server

from refcore.storage.db import Database
from refcore.storage.migrate import upgrade
from refcore.storage.models import utcnow


def test_check_alerts_from_the_command_line(
    db_kind: str, guidelines: Any, interop_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url, cleanup = _fresh_database(db_kind, "cli-alerts", tmp_path_factory)
    db = Database.from_url(url)
    servers = ExitStack()
    inbox, smtp_port = servers.enter_context(smtp_server())
    calls: list[tuple[dict[str, str], bytes]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            calls.append((dict(self.headers), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    hook = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    try:
        upgrade(db.engine)
        a = required_tests(guidelines)[0][0]
        with db.read() as session:
            h = seed(
                session,
                guidelines,
                start=utcnow() - timedelta(days=2),
                plan=[(0, "schedule", set()), (1, "schedule", {a})],
            )
        env = {
            **os.environ,
            "REFCORE_GUIDELINES": str(interop_dir),
            "REFCORE_SMTP_HOST": "127.0.0.1",
            "REFCORE_SMTP_PORT": str(smtp_port),
            "REFCORE_CONTINUOUS_WEBHOOK_URL": f"http://127.0.0.1:{hook.server_port}/hook/T0K3N",
            "REFCORE_CONTINUOUS_WEBHOOK_SECRET": "hm4c-secret",
            "REFCORE_API_URL": "https://refcore.example.org",
        }
        exe = Path(sys.executable).with_name("refcore")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(exe), "clouds", "check-alerts", *args, "--db", url],
                capture_output=True, text=True, timeout=180, env=env,
            )  # fmt: skip

        first = run()
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[-1] == "1 alert(s) sent"
        assert "regression: Regression on lab-" in first.stdout
        assert "(e-mail sent, webhook sent)" in first.stdout
        (msg,) = inbox.messages
        assert msg["To"] == "ops@example.org"
        body = msg.get_content()
        assert a in body and f"https://refcore.example.org/clouds/{h.cloud_id}/history" in body
        ((headers, posted),) = calls
        signature = hmac.new(b"hm4c-secret", posted, hashlib.sha256).hexdigest()
        assert headers["X-Refcore-Signature"] == f"sha256={signature}"
        assert json.loads(posted)["failed_in"] == h.runs[1]
        # again, and for the one cloud: nothing new
        again = run("--cloud", h.cloud_id)
        assert again.returncode == 0 and again.stdout.strip() == "0 alert(s) sent"
        assert len(inbox.messages) == 1 and len(calls) == 1
        for text in (first.stdout + first.stderr, again.stdout + again.stderr, body):
            for secret in (SECRET, "T0K3N", "hm4c-secret"):
                assert secret not in text
        # a cloud that does not exist: one line, non-zero
        bad = run("--cloud", "no-such-cloud")
        assert bad.returncode == 2, bad.stderr
        assert bad.stderr.strip().splitlines() == ["error: Cloud no-such-cloud not found"]
    finally:
        hook.shutdown()
        hook.server_close()
        servers.close()
        db.dispose()
        cleanup()
