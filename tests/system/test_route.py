"""`mxkit route --json` against a test internet on loopback, served by `mxkit serve` and by NSD:
every routing scenario of RFC 5321 §5.1 and RFC 7505 the issue lists, resolved from the root.

One internet a backend, built once for the module: a root, the TLD test., most domains on
127.0.0.4, a domain with one name server silent (127.0.0.240) beside a working one (127.0.0.5),
one with both silent or down, and two domains whose name servers live in each other.
"""
from __future__ import annotations

import collections
import itertools
import json
import re
import subprocess
import time

import pytest

from internet import BACKENDS, Internet

EXIT_PERMANENT, EXIT_TEMPORARY = 1, 75
# Chi-square critical values at p = 0.001 for 1 and 5 degrees of freedom (2 and 6 orders).
CHI2_P001 = {1: 10.828, 5: 20.515}

DOMAINS = {
    "two-mx.test.": "@ MX 10 mx1\n@ MX 20 mx2\nmx1 A 127.0.1.1\nmx2 A 127.0.1.2\n",
    "equal2.test.": "@ MX 10 a\n@ MX 10 b\na A 127.0.1.11\nb A 127.0.1.12\n",
    "equal3.test.": ("@ MX 10 a\n@ MX 10 b\n@ MX 10 c\n@ MX 20 backup\n"
                     "a A 127.0.1.13\nb A 127.0.1.14\nc A 127.0.1.15\nbackup A 127.0.1.16\n"),
    "nullmx.test.": "@ MX 0 .\n",
    "nullmx-mixed.test.": "@ MX 0 .\n@ MX 10 mx\nmx A 127.0.1.21\n",
    "implicit.test.": "@ A 127.0.1.22\n@ AAAA 2001:db8::22\n",
    "noaddr.test.": '@ TXT "no mail here"\n',
    "alias.test.": "www CNAME two-mx.test.\n",
    "mx-cname.test.": "@ MX 10 alias\nalias CNAME real\nreal A 127.0.1.23\n",
    "mx-ip.test.": "@ MX 10 127.0.1.24.\n",
    # Deliberately not in address order: the plan must keep the order DNS gives.
    "multihomed.test.": "@ MX 10 mx\nmx A 127.0.1.31\nmx A 127.0.1.33\nmx A 127.0.1.32\n",
    "self.test.": ("@ MX 10 mx1\n@ MX 20 mx2\n@ MX 30 mx3\n"
                   "mx1 A 127.0.1.51\nmx2 A 127.0.1.52\nmx3 A 127.0.1.53\n"),
}


@pytest.fixture(scope="module", params=BACKENDS)
def net(request, mxkit, tmp_path_factory):
    internet = Internet(mxkit, tmp_path_factory.mktemp(f"route-{request.param}"), backend=request.param)
    for name, records in DOMAINS.items():
        internet.add_domain(name, records)
    internet.server_silent("127.0.0.240")
    internet.add_domain("halfdown.test.", "@ MX 10 mx\nmx A 127.0.1.41\n",
                        ns=[("ns1.halfdown.test.", "127.0.0.240"), ("ns2.halfdown.test.", "127.0.0.5")])
    internet.server_silent("127.0.0.241")
    internet.server_down("127.0.0.242")
    internet.add_domain("alldown.test.", "@ MX 10 mx\nmx A 127.0.1.42\n",
                        ns=[("ns1.alldown.test.", "127.0.0.241"), ("ns2.alldown.test.", "127.0.0.242")])
    # Each domain's name server is named inside the other: no resolution can ever start.
    internet.add_domain("loop1.test.", "@ MX 10 mx\nmx A 127.0.1.43\n", ns=[("ns.loop2.test.", "127.0.0.6")])
    internet.add_domain("loop2.test.", "@ MX 10 mx\nmx A 127.0.1.44\n", ns=[("ns.loop1.test.", "127.0.0.6")])
    internet.add_domain("ttl.test.", "@ MX 10 mx\nmx A 127.0.1.61\n", ttl=1)
    internet.start()
    yield internet
    internet.stop()


def route(net, domain, *extra, timeout=60):
    """Runs `mxkit route DOMAIN --json`; returns (exit status, plans, stderr, seconds)."""
    command = [str(net.mxkit), "route", domain, "--json", *net.resolver_args(), *extra]
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    elapsed = time.monotonic() - start
    plans, decoder, text, at = [], json.JSONDecoder(), done.stdout, 0
    while text[at:].strip():  # one object, or one a line with --repeat
        at += len(text[at:]) - len(text[at:].lstrip())
        plan, at = decoder.raw_decode(text, at)
        plans.append(plan)
    assert plans, f"no plan from {command}: exit {done.returncode}, stderr {done.stderr}"
    return done.returncode, plans, done.stderr, elapsed


def plan_of(net, domain, *extra):
    status, plans, stderr, _ = route(net, domain, *extra)
    return status, plans[0], stderr


def targets(plan):
    return [(t["exchange"], t["preference"], t["addresses"]) for t in plan["targets"]]


def test_two_mx_in_preference_order(net):
    status, plan, _ = plan_of(net, "two-mx.test")
    assert status == 0
    assert plan["domain"] == "two-mx.test."
    assert plan["outcome"] == "deliverable"
    assert plan["implicit_mx"] is False
    assert targets(plan) == [("mx1.two-mx.test.", 10, ["127.0.1.1"]), ("mx2.two-mx.test.", 20, ["127.0.1.2"])]
    assert plan["steps"], "every plan lists its lookups"


def test_an_address_routes_by_its_domain(net):
    status, plan, _ = plan_of(net, "someone@two-mx.test")
    assert status == 0
    assert [t[0] for t in targets(plan)] == ["mx1.two-mx.test.", "mx2.two-mx.test."]


def chi_square(counts: collections.Counter, orders: list[tuple]) -> float:
    total = sum(counts.values())
    expected = total / len(orders)
    return sum((counts[o] - expected) ** 2 / expected for o in orders)


@pytest.mark.parametrize("domain,exchangers", [
    ("equal2.test", ["a.equal2.test.", "b.equal2.test."]),
    ("equal3.test", ["a.equal3.test.", "b.equal3.test.", "c.equal3.test."]),
])
def test_equal_preferences_are_shuffled_uniformly(net, domain, exchangers):
    status, plans, _, _ = route(net, domain, "--repeat", "1000")
    assert status == 0
    assert len(plans) == 1000
    orders = list(itertools.permutations(exchangers))
    counts = collections.Counter()
    for plan in plans:
        level = [t["exchange"] for t in plan["targets"] if t["preference"] == 10]
        assert sorted(level) == sorted(exchangers)
        counts[tuple(level)] += 1
        # The worse preference always comes after the whole shuffled level.
        assert [t["preference"] for t in plan["targets"]] == sorted(t["preference"] for t in plan["targets"])
    assert set(counts) == set(orders), f"orders never seen: {set(orders) - set(counts)}"
    statistic = chi_square(counts, orders)
    assert statistic < CHI2_P001[len(orders) - 1], f"chi-square {statistic:.1f} for {dict(counts)}"


def test_null_mx_fails_at_once(net):
    status, plan, _ = plan_of(net, "nullmx.test")
    assert status == EXIT_PERMANENT
    assert plan["outcome"] == "null-mx"
    assert plan["targets"] == []
    assert plan["implicit_mx"] is False
    assert plan["status"] == "5.1.10"  # RFC 7505 §4.2
    # No address lookup after a null MX: only the MX lookup was made.
    assert {s["type"] for s in plan["steps"]} == {"MX"}


def test_null_mx_beside_another_mx_is_reported(net):
    status, plan, _ = plan_of(net, "nullmx-mixed.test")
    assert plan["outcome"] == "deliverable", plan
    assert status == 0
    assert [t[0] for t in targets(plan)] == ["mx.nullmx-mixed.test."]
    assert any("null MX" in w["message"] or "RFC 7505" in w["message"] for w in plan["warnings"]), plan["warnings"]
    assert "null-mx-beside-mx" in [w["code"] for w in plan["warnings"]]


def test_no_mx_uses_the_domains_addresses(net):
    status, plan, _ = plan_of(net, "implicit.test")
    assert status == 0
    assert plan["outcome"] == "deliverable"
    assert plan["implicit_mx"] is True
    assert targets(plan) == [("implicit.test.", 0, ["2001:db8::22", "127.0.1.22"])]
    _, v4_first, _ = plan_of(net, "implicit.test", "--address-preference", "ipv4-first")
    assert targets(v4_first) == [("implicit.test.", 0, ["127.0.1.22", "2001:db8::22"])]


def test_no_mx_and_no_address(net):
    status, plan, _ = plan_of(net, "noaddr.test")
    assert status == EXIT_PERMANENT
    assert plan["outcome"] == "no-usable-targets"
    assert plan["implicit_mx"] is True
    assert plan["targets"] == []


def test_nxdomain_is_permanent(net):
    status, plan, _ = plan_of(net, "nosuch.test")
    assert status == EXIT_PERMANENT
    assert plan["outcome"] == "nxdomain"
    assert plan["targets"] == []
    assert plan["status"].startswith("5.")


def test_cname_at_the_domain_is_followed(net):
    status, plan, _ = plan_of(net, "www.alias.test")
    assert status == 0
    assert plan["domain"] == "www.alias.test."
    assert plan["canonical_domain"] == "two-mx.test."
    assert [t[0] for t in targets(plan)] == ["mx1.two-mx.test.", "mx2.two-mx.test."]


def test_mx_target_that_is_a_cname(net):
    status, plan, _ = plan_of(net, "mx-cname.test")
    assert status == 0
    [target] = plan["targets"]
    assert target["exchange"] == "alias.mx-cname.test."
    assert target["canonical"] == "real.mx-cname.test."
    assert target["addresses"] == ["127.0.1.23"]
    assert any("CNAME" in w["message"] for w in plan["warnings"]), plan["warnings"]  # RFC 2181 §10.3
    assert "mx-target-cname" in [w["code"] for w in plan["warnings"]]


def test_mx_target_that_is_an_ip_literal(net):
    status, plan, _ = plan_of(net, "mx-ip.test")
    assert status == 0
    [target] = plan["targets"]
    assert target["ip_literal"] is True
    assert target["addresses"] == ["127.0.1.24"]
    assert any("literal" in w["message"] for w in plan["warnings"]), plan["warnings"]
    assert "mx-ip-literal" in [w["code"] for w in plan["warnings"]]
    # The literal is not looked up as a name.
    assert all(s["name"] != "127.0.1.24." for s in plan["steps"])


def test_multihomed_exchanger_keeps_dns_order(net):
    reply = net.ask("127.0.0.4", "mx.multihomed.test.", "A")
    dns_order = [rr.address for rrset in reply.answer for rr in rrset]
    assert sorted(dns_order) == ["127.0.1.31", "127.0.1.32", "127.0.1.33"]
    status, plan, _ = plan_of(net, "multihomed.test")
    assert status == 0
    assert targets(plan) == [("mx.multihomed.test.", 10, dns_order)]


def test_one_name_server_down(net):
    status, plans, stderr, elapsed = route(net, "halfdown.test", "--timeout", "300")
    plan = plans[0]
    assert status == 0, stderr
    assert plan["outcome"] == "deliverable"
    assert targets(plan) == [("mx.halfdown.test.", 10, ["127.0.1.41"])]
    assert elapsed < 5, f"took {elapsed:.1f} s with a 300 ms timeout"


def test_all_name_servers_down(net):
    status, plans, _, elapsed = route(net, "alldown.test", "--timeout", "300")
    assert status == EXIT_TEMPORARY
    assert plans[0]["outcome"] == "temporary-failure"
    assert plans[0]["status"].startswith("4.")
    assert elapsed < 10, f"took {elapsed:.1f} s with a 300 ms timeout"


def test_delegation_loop_is_bounded(net):
    status, plans, _, elapsed = route(net, "loop1.test", "--timeout", "300")
    assert status == EXIT_TEMPORARY
    assert plans[0]["outcome"] == "temporary-failure"
    assert elapsed < 15, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("self_option", ["mx2.self.test.", "127.0.1.52"])
def test_self_cuts_its_level_and_worse(net, self_option):
    status, plan, _ = plan_of(net, "self.test", "--self", self_option)
    assert status == 0
    assert targets(plan) == [("mx1.self.test.", 10, ["127.0.1.51"])]


def test_self_before_the_domain_takes_one_value(net):
    """`--self X DOMAIN`: a repeatable option takes one value per occurrence (issue 14)."""
    command = [str(net.mxkit), "route", "--self", "mx2.self.test.", "--self", "127.0.1.99", "self.test",
               "--json", *net.resolver_args()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert targets(plan) == [("mx1.self.test.", 10, ["127.0.1.51"])]
    assert [(s["exchange"], s["code"]) for s in plan["skipped"]] == [
        ("mx2.self.test.", "self"), ("mx3.self.test.", "not-better-than-self")]
    assert "self-in-mx-list" in [n["code"] for n in plan["notes"]]


def test_json_fields_for_scripts(net):
    """Several inputs: each document names its input as given and its domain canonically;
    codes beside every text; each query of a step's path as fields."""
    command = [str(net.mxkit), "route", "Someone@TWO-MX.Test", "implicit.test.", "--json", *net.resolver_args()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = [json.loads(line) for line in done.stdout.splitlines()]
    assert (first["input"], first["domain"]) == ("Someone@TWO-MX.Test", "two-mx.test.")
    assert (second["input"], second["domain"]) == ("implicit.test.", "implicit.test.")
    assert [n["code"] for n in second["notes"]] == ["implicit-mx"]
    assert all(set(n) == {"code", "message"} for n in second["notes"])
    mx_step = first["steps"][0]
    assert mx_step["type"] == "MX" and mx_step["path"], mx_step
    for hop in mx_step["path"]:
        assert set(hop) == {"server", "name", "type", "zone", "result", "tcp", "ms"}, hop
        assert hop["ms"] is None or hop["ms"] > 0
    # Iterative from the root: a referral first, the answer last, each from a server "IP:PORT".
    assert mx_step["path"][0]["zone"] == "."
    assert mx_step["path"][0]["result"].startswith("referral")
    assert mx_step["path"][-1]["result"] == "answer"
    assert all(hop["server"].rsplit(":", 1)[1].isdigit() for hop in mx_step["path"])


def test_self_as_best_mx_is_a_loop(net):
    status, plan, _ = plan_of(net, "self.test", "--self", "mx1.self.test")
    assert status == EXIT_PERMANENT
    assert plan["outcome"] == "no-usable-targets"
    assert plan["targets"] == []
    assert plan["status"] == "5.4.6"  # RFC 5321 §5.1: a routing loop


def queries_sent(stderr: str) -> int:
    """The count in route's --repeat summary: '... N DNS queries sent'."""
    for line in stderr.splitlines():
        if "DNS queries sent" in line:
            return int(line.split("DNS queries sent")[0].split()[-1])
    raise AssertionError(f"no query count in {stderr!r}")


def test_second_plan_within_ttl_sends_no_query(net):
    status, plans, stderr, _ = route(net, "two-mx.test", "--repeat", "2")
    assert status == 0
    first, second = plans
    assert any(not s["from_cache"] for s in first["steps"])
    assert all(s["from_cache"] and s["queries"] == 0 for s in second["steps"]), second["steps"]
    assert queries_sent(stderr) == sum(s["queries"] for s in first["steps"]) > 0


def test_plan_after_ttl_expiry_asks_again(net):
    # ttl.test. has a TTL of 1 s. Two plans in a row share the cache and the second sends no
    # query; two plans 2.5 s apart (--interval) outlive the TTL, so the second asks again.
    _, plans, stderr, _ = route(net, "ttl.test", "--repeat", "2")
    within_ttl = queries_sent(stderr)
    assert within_ttl == sum(s["queries"] for s in plans[0]["steps"]) > 0  # none for the second
    _, plans, stderr, elapsed = route(net, "ttl.test", "--repeat", "2", "--interval", "2500")
    assert elapsed >= 2.5
    assert queries_sent(stderr) > within_ttl, stderr
    assert any(not s["from_cache"] for s in plans[1]["steps"]), plans[1]["steps"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_name_servers_named_in_another_domain(make_internet, backend):
    # oob.test.'s only working name server is named inside hoster.test., with no glue in test.:
    # the resolver must resolve that name first. Its other name server refuses every query.
    net = make_internet(backend)
    net.add_domain("hoster.test.", "@ MX 10 mx\nmx A 127.0.1.70\n", servers=["127.0.0.4"])
    net.server_down("127.0.0.243")
    net.add_domain("oob.test.", "@ MX 10 mx.hoster.test.\n",
                   ns=[("ns1.oob.test.", "127.0.0.243"), ("ns.hoster.test.", "127.0.0.7")])
    net.start()
    test_zone = (net.workdir / "zones" / "test.zone").read_text()
    assert not re.search(r"^ns\.hoster\.test\.", test_zone, re.M), "no glue for ns.hoster.test. in test."
    status, plan, stderr = plan_of(net, "oob.test", "--timeout", "300")
    assert status == 0, (plan, stderr)
    assert targets(plan) == [("mx.hoster.test.", 10, ["127.0.1.70"])]
