"""A local HTTP server that speaks Nominatim's `/search?format=json`, with its failures.

Queries name what to do: an address containing "slow" never gets an answer (until the
server stops), "empty" gets `[]`, "boom" gets a 500, "busy" a 503 and "garbled" a JSON
object that is not Nominatim's answer; the addresses in `PLACES` answer as Nominatim
would (numbers as strings); anything else is empty.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# normalised street (lower case, as typed by the tests) -> (lat, lon, display name)
PLACES = {
    "1100 congress ave": (30.2747, -97.7404, "1100, Congress Avenue, Austin, Travis County, TX"),
    "4500 guadalupe st": (30.3105, -97.7394, "4500, Guadalupe Street, Austin, TX 78751"),
    "350 5th ave": (40.7484, -73.9857, "Empire State Building, 350, 5th Avenue, New York, NY"),
}


class NominatimServer:
    """Started and stopped by the test; counts the searches it answered."""

    def __init__(self) -> None:
        self.searches: list[str] = []
        self.viewboxes: list[str] = []
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/search":
                    self.send_error(404)
                    return
                params = parse_qs(url.query)
                query = params.get("q", [""])[0].lower()
                server.searches.append(query)
                server.viewboxes.append(params.get("viewbox", [""])[0])
                if "slow" in query:
                    server.release.wait(30)  # longer than any client timeout in the tests
                    return
                if "garbled" in query:
                    self._send(b'{"places": "not what Nominatim sends"}')
                    return
                if "boom" in query or "busy" in query:
                    self.send_error(500 if "boom" in query else 503)
                    return
                found = [
                    {
                        "place_id": 1000 + n,
                        "lat": f"{lat:.7f}",
                        "lon": f"{lon:.7f}",
                        "display_name": label,
                        "class": "place",
                        "type": "house",
                        "importance": 0.5,
                        "boundingbox": [str(lat - 1e-4), str(lat + 1e-4), str(lon), str(lon)],
                    }
                    for n, (street, (lat, lon, label)) in enumerate(PLACES.items())
                    if street in query and "empty" not in query
                ]
                self._send(json.dumps(found[:1]).encode())

            def _send(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet test output

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> NominatimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def nominatim_server() -> Iterator[NominatimServer]:
    server = NominatimServer().start()
    try:
        yield server
    finally:
        server.stop()
