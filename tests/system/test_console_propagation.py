"""`caught_up_at` without anyone polling (issue 13): after a save, `mxkit serve` asks the zone's
servers for their SOA serial in the background (every second, up to two minutes), so a Knot
secondary that takes the change by IXFR after our NOTIFY shows, at the first GET /propagation
seconds later, the time it caught up, not the time of that request.
"""
from __future__ import annotations

import calendar
import time

from test_console_dns import api, console_zone_with_knot_secondary, serial_of, wait_for
from test_dns_server import free_port


def epoch(rfc3339: str) -> int:
    return calendar.timegm(time.strptime(rfc3339, "%Y-%m-%dT%H:%M:%SZ"))


def test_caught_up_at_recorded_in_the_background(mxkit, tmp_path):
    dns_port, http_port, knot_port = free_port(), free_port(), free_port()
    serve, knot = None, None
    try:
        serve, knot, _ = console_zone_with_knot_secondary(mxkit, tmp_path, dns_port, http_port, knot_port)

        status, added = api(http_port, "POST", "/zones/example.test/records",
                            {"name": "@", "ttl": 3600, "type": "MX", "priority": 20, "value": "mail2"})
        assert status == 201, added
        second = added["serial"]
        assert wait_for(lambda: serial_of(knot_port) == second), knot.log()
        knot_had_it = int(time.time())
        time.sleep(4)
        polled = int(time.time())
        status, prop = api(http_port, "GET", "/zones/example.test/propagation")
        assert status == 200 and prop["serial"] == second, prop
        by_port = {s["port"]: s for s in prop["servers"]}
        for port in (dns_port, knot_port):
            server = by_port[port]
            assert server["caught_up"] and server["caught_up_at"], prop
            # Seen by the background poll within about a second of catching up: well before
            # this first request for /propagation.
            assert epoch(server["caught_up_at"]) <= polled - 2, (prop, polled)
            assert epoch(server["caught_up_at"]) <= knot_had_it + 1, (prop, knot_had_it)
    finally:
        if serve:
            serve.stop()
        if knot:
            knot.stop()
