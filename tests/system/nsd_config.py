"""NSD configured to run unprivileged in a test's own directory: one place for the settings
every test that starts `nsd -d -c FILE` needs (no chroot or user switch, state and logs in the
directory, response rate limiting off so a test's bursts are answered)."""
from __future__ import annotations

from pathlib import Path


def write_nsd_conf(workdir: Path, address: str, port: int, zones: list[tuple[str, Path | str, str]]) -> Path:
    """Writes workdir/nsd.conf for one listening address and the given zones, each
    (origin, zone file, extra zone-clause lines such as "provide-xfr: ..."), and returns its path."""
    clauses = "".join(f'zone:\n  name: "{origin}"\n  zonefile: "{path}"\n' +
                      "".join(f"  {line}\n" for line in extra.splitlines() if line.strip())
                      for origin, path, extra in zones)
    conf = workdir / "nsd.conf"
    conf.write_text(f"""server:
  ip-address: {address}@{port}
  port: {port}
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "{workdir}/zone.list"
  xfrdfile: "{workdir}/xfrd.state"
  xfrdir: "{workdir}"
  pidfile: "{workdir}/nsd.pid"
  cookie-secret-file: "{workdir}/cookiesecrets.txt"
  logfile: "{workdir}/nsd.log"
  zonefiles-write: 0
  rrl-ratelimit: 0
  server-count: 1
remote-control:
  control-enable: no
{clauses}""")
    return conf
