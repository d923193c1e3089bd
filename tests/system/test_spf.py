"""`mxkit spf` against a test internet on loopback served by `mxkit serve`: the SPF evaluator of
src/mailauth over the real resolver, resolving from the root. One internet for the module.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from internet import Internet

EXIT_PASS, EXIT_OTHER, EXIT_USAGE, EXIT_COULD_NOT_RUN = 0, 1, 2, 3

DOMAINS = {
    "spf.test.": ('@ TXT "v=spf1 mx include:_spf.provider.test -all exp=why.%{d}"\n'
                  '@ MX 10 mx\nmx A 127.0.2.1\n'
                  'why TXT "%{i} is not a mail server of %{d}"\n'),
    "provider.test.": '_spf TXT "v=spf1 ip4:127.0.3.0/24 ip6:2001:db8:3::/48 ~all"\n',
    "broken.test.": '@ TXT "v=spf1 ip4:127.0.2.300 -all"\n',
    "nospf.test.": '@ TXT "just text"\n@ MX 10 mx\nmx A 127.0.2.9\n',
    # Eleven DNS-querying terms through two includes: the limit of RFC 7208 §4.6.4.
    "deep.test.": ('@ TXT "v=spf1 include:a.deep.test -all"\n'
                   'a TXT "v=spf1 a a a include:b.deep.test"\na A 127.0.4.1\n'
                   'b TXT "v=spf1 a a a a a a a -all"\nb A 127.0.4.2\n'),
    "redirect.test.": '@ TXT "v=spf1 redirect=_spf.provider.test"\n',
}


@pytest.fixture(scope="module")
def net(mxkit, tmp_path_factory):
    internet = Internet(mxkit, tmp_path_factory.mktemp("spf"), backend="mxkit")
    for name, records in DOMAINS.items():
        internet.add_domain(name, records)
    internet.server_silent("127.0.0.240")
    internet.add_domain("slow.test.", '@ TXT "v=spf1 -all"\n', ns=[("ns1.slow.test.", "127.0.0.240")])
    internet.start()
    yield internet
    internet.stop()


def spf(net, *args, json_out=True, timeout=30):
    command = [str(net.mxkit), "spf", *args, *net.resolver_args()]
    if json_out:
        command.append("--json")
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if json_out and done.returncode != EXIT_USAGE:
        return done.returncode, json.loads(done.stdout)
    return done.returncode, done


def test_pass_by_mx(net):
    status, out = spf(net, "127.0.2.1", "spf.test", "--sender", "alice@spf.test")
    assert status == EXIT_PASS
    assert out["result"] == "pass"
    assert out["mechanism"] == "mx"
    assert out["dns_lookups"] == 1
    assert any(t["kind"] == "lookup" and t["text"].startswith("MX spf.test") for t in out["trace"])


def test_pass_through_include_with_chain(net):
    status, out = spf(net, "127.0.3.77", "spf.test")
    assert status == EXIT_PASS
    assert out["mechanism"] == "include:_spf.provider.test"
    assert {"kind": "term", "depth": 1, "domain": "_spf.provider.test",
            "text": "ip4:127.0.3.0/24 → match"} in out["trace"]


def test_fail_with_the_records_explanation(net):
    status, out = spf(net, "127.0.9.9", "spf.test", "--sender", "bob@spf.test", "--helo", "client.example")
    assert status == EXIT_OTHER
    assert out["result"] == "fail"
    assert out["mechanism"] == "-all"
    assert out["explanation"] == "127.0.9.9 is not a mail server of spf.test"
    assert out["explanation_from_record"] is True
    assert out["helo"] == "client.example"


def test_softfail_over_ipv6_by_redirect(net):
    status, out = spf(net, "2001:db8:4::1", "redirect.test")
    assert status == EXIT_OTHER
    assert out["result"] == "softfail"
    assert out["chain"] == ["redirect.test", "_spf.provider.test"]
    status, out = spf(net, "2001:db8:3::1", "redirect.test")
    assert (status, out["result"]) == (EXIT_PASS, "pass")


def test_syntax_error_names_the_position(net):
    status, out = spf(net, "127.0.2.1", "broken.test")
    assert status == EXIT_OTHER
    assert out["result"] == "permerror"
    assert out["syntax_error"] == {"record": "v=spf1 ip4:127.0.2.300 -all", "position": 11,
                                   "message": "\"127.0.2.300\" is not an IPv4 address"}


def test_lookup_limit_names_the_include_chain(net):
    status, out = spf(net, "127.0.9.9", "deep.test")
    assert status == EXIT_OTHER
    assert out["result"] == "permerror"
    assert out["lookup_limit_exceeded"] is True
    assert out["dns_lookups"] == 11 and out["dns_lookup_limit"] == 10
    assert out["chain"] == ["deep.test", "a.deep.test", "b.deep.test"]


def test_none_without_a_record(net):
    status, out = spf(net, "127.0.2.9", "nospf.test")
    assert (status, out["result"]) == (EXIT_OTHER, "none")
    status, out = spf(net, "127.0.2.9", "nowhere.test")
    assert (status, out["result"]) == (EXIT_OTHER, "none")


def test_temperror_when_the_name_server_is_silent(net):
    status, out = spf(net, "127.0.2.9", "slow.test", "--timeout", "200")
    assert status == EXIT_COULD_NOT_RUN
    assert out["result"] == "temperror"


def test_text_output_shows_result_explanation_and_trace(net):
    status, done = spf(net, "127.0.9.9", "spf.test", json_out=False)
    assert status == EXIT_OTHER
    text = done.stdout
    assert text.startswith("spf.test: fail for 127.0.9.9")
    assert "explanation: 127.0.9.9 is not a mail server of spf.test" in text
    assert "record v=spf1 mx include:_spf.provider.test -all exp=why.%{d}" in text
    assert "include:_spf.provider.test → no match (_spf.provider.test gave softfail)" in text


@pytest.mark.parametrize("args, message", [
    (["not-an-ip", "spf.test"], "is not an IPv4 or IPv6 address"),
    (["127.0.0.1", "a@b.test"], "is not a domain name"),
    (["127.0.0.1"], "domain"),
])
def test_usage_errors(net, args, message):
    status, done = spf(net, *args, json_out=False)
    assert status == EXIT_USAGE
    assert message in done.stderr
