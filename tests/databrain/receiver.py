"""A city-level platform's receiving end for the sync tests: it stores what it gets keyed by batch id
and by (resource, record id), deletes what a deletion names and every record of a withdrawn resource, answers a batch it has seen with the acknowledgement it gave, and can
be told to fail: drop the connection half-way through a batch, answer 500 or 400, or answer too late."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self):
        self.batches: dict[str, dict] = {}  # acknowledged batch id → payload
        self.records: dict[tuple, dict] = {}  # (resource code, record id) → values
        self.catalogue: dict[str, dict] = {}  # resource code → metadata
        self.seen_in: dict[tuple, set] = {}  # (resource code, record id) → batch ids it came in
        self.deleted: dict[tuple, set] = {}  # (resource code, record id) → deletion batch ids naming it
        self.withdrawn: dict[str, str] = {}  # resource code → the reason given
        self.requests: list[dict] = []
        self.faults: list[str] = []  # what to do with the next requests: drop, 500, 400, slow
        self.slow_seconds = 1.0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/sync"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _store(self, payload: dict, records: list) -> None:
        code = payload["resource"]["code"]
        for rec in records:
            self.records[(code, rec["_id"])] = rec["values"]
            self.seen_in.setdefault((code, rec["_id"]), set()).add(payload["batch_id"])

    def handle(self, handler) -> None:
        payload = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
        batch_id = payload["batch_id"]
        with self.lock:
            self.requests.append({"batch_id": batch_id, "auth": handler.headers.get("Authorization")})
            fault = self.faults.pop(0) if self.faults else ""
            if batch_id in self.batches:  # a resend: nothing is applied twice
                return self._answer(handler, 200, {"batch_id": batch_id, "duplicate": True})
            records = payload.get("records", [])
            apply = self._delete if payload["kind"] == "deletions" else self._store
            if fault == "drop":  # half the batch written, then the connection is gone
                apply(payload, records[: len(records) // 2])
                handler.close_connection = True
                handler.connection.shutdown(2)
                return None
            if fault in ("500", "400"):
                message = "upstream database unavailable" if fault == "500" else "unknown resource code"
                return self._answer(handler, int(fault), {"detail": message})
            apply(payload, records)
            if payload["kind"] == "withdrawal":
                code = payload["resource"]["code"]
                self.withdrawn[code] = payload["reason"]
                self.catalogue.pop(code, None)
                self.records = {k: v for k, v in self.records.items() if k[0] != code}
            if payload["kind"] == "catalogue":  # listed (again, after a withdrawal)
                self.catalogue[payload["resource"]["code"]] = payload["metadata"]
                self.withdrawn.pop(payload["resource"]["code"], None)
            self.batches[batch_id] = payload
        if fault == "slow":  # applied, but the acknowledgement comes after the sender gave up
            time.sleep(self.slow_seconds)
        return self._answer(handler, 200, {"batch_id": batch_id})

    def _delete(self, payload: dict, records: list) -> None:
        code = payload["resource"]["code"]
        for rec in records:
            self.records.pop((code, rec["_id"]), None)
            self.deleted.setdefault((code, rec["_id"]), set()).add(payload["batch_id"])

    @staticmethod
    def _answer(handler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                receiver.handle(self)

            def log_message(self, *args):
                pass

        return Handler
