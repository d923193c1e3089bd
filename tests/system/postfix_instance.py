"""A private Postfix instance for interop tests: its own main.cf and master.cf in a temporary
directory, its own queue, data directory and log file, listening on 127.0.0.1 at a free port.

The system's Postfix (/etc/postfix, /var/spool/postfix) is never read, started or stopped: every
command gets `-c DIR`, and the instance's master(8) runs in the foreground as our child and is
stopped by its PID (processes.stop), never by name.

Postfix's daemons drop to mail_owner (user postfix) and virtual(8) writes as the mailbox owner,
so the directory lives under a fresh /tmp directory opened to others for traversal (pytest's
tmp_path sits below a 0700 directory of root's that user postfix could not enter).
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import processes

MASTER = "/usr/lib/postfix/sbin/master"
POSTFIX = "/usr/sbin/postfix"
POSTCONF = "/usr/sbin/postconf"

# The services this instance needs, none chrooted (the chroot would need copies of /etc files).
# Columns: service type private unpriv chroot wakeup maxproc command (master(5)).
SERVICES = """\
{listen} inet n - n - - smtpd
pickup    unix  n - n 60    1 pickup
cleanup   unix  n - n -     0 cleanup
qmgr      unix  n - n 300   1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n -     - trivial-rewrite
bounce    unix  - - n -     0 bounce
defer     unix  - - n -     0 bounce
trace     unix  - - n -     0 bounce
verify    unix  - - n -     1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -     - proxymap
smtp      unix  - - n -     - smtp
relay     unix  - - n -     - smtp
showq     unix  n - n -     - showq
error     unix  - - n -     - error
retry     unix  - - n -     - error
discard   unix  - - n -     - discard
virtual   unix  - n n -     - virtual
anvil     unix  - - n -     1 anvil
scache    unix  - - n -     1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


class PostfixInstance:
    """`settings`: main.cf lines beyond the instance's own (domains, maps, TLS), as name → value;
    they win over the defaults below. Mail for virtual_mailbox_domains lands in Maildirs below
    `self.vmail`, written as user postfix."""

    def __init__(self, settings: dict[str, str], port: int | None = None, hostname: str = "pf.postfix.test",
                 address: str = "127.0.0.1"):
        self.address = address  # a loopback address: 127.0.0.1, or an MX's on the test internet
        self.dir = Path(tempfile.mkdtemp(prefix="mxkit-postfix-"))
        os.chmod(self.dir, 0o755)
        self.port = port or free_port(address)
        self.hostname = hostname
        self.config = self.dir / "etc"
        self.queue = self.dir / "queue"
        self.data = self.dir / "data"
        self.vmail = self.dir / "vmail"
        self.maillog = self.dir / "maillog"
        self.owner = pwd.getpwnam("postfix")
        self.settings = settings
        self.proc: subprocess.Popen | None = None
        self.output = self.dir / "master.out"

    def main_cf(self) -> str:
        base = {
            "compatibility_level": "3.6",
            "config_directory": str(self.config),
            "queue_directory": str(self.queue),
            "data_directory": str(self.data),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            # Logging to a file of our own through postlogd (the postlog service below), not syslog.
            "maillog_file": str(self.maillog),
            "maillog_file_prefixes": str(self.dir),
            "myhostname": self.hostname,
            "mydomain": "postfix.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            # Postfix takes only addresses of an interface here ("no local interface found for
            # 127.0.1.25": lo has 127.0.0.1/8); master.cf's listener names its own address.
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.0/8",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "relayhost": "",
            # virtual(8) writes Maildirs below vmail as user postfix (virtual_minimum_uid is 100).
            "virtual_mailbox_base": str(self.vmail),
            "virtual_uid_maps": f"static:{self.owner.pw_uid}",
            "virtual_gid_maps": f"static:{self.owner.pw_gid}",
            # The test internet has no real DNS: never ask it (routes here are [IP]:port).
            "smtp_dns_support_level": "disabled",
            "smtpd_peername_lookup": "no",
            # Headers as they came (no rewriting of "local" clients' headers).
            "local_header_rewrite_clients": "",
            # Quick to deliver, quick to give up: tests run for seconds.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtpd_error_sleep_time": "0",
            "biff": "no",
            "readme_directory": "no",
            "html_directory": "no",
        }
        base.update(self.settings)
        return "".join(f"{k} = {v}\n" for k, v in base.items())

    def start(self, deadline_s: float = 15) -> "PostfixInstance":
        if os.geteuid() != 0:
            # master(8) starts as root and drops to mail_owner; the queue needs postfix's owner.
            raise RuntimeError("a private Postfix instance needs root (master(8) runs as root, "
                               "its daemons as user postfix)")
        self.config.mkdir()
        self.queue.mkdir()  # root's; `postfix check` fills it (it must exist first)
        for owned in (self.data, self.vmail):  # written by the daemons as mail_owner
            owned.mkdir()
            os.chown(owned, self.owner.pw_uid, self.owner.pw_gid)
        self.maillog.touch()
        (self.config / "main.cf").write_text(self.main_cf())
        (self.config / "master.cf").write_text(SERVICES.format(listen=f"{self.address}:{self.port}"))
        # `postfix check` creates the queue directories with their owners and modes
        # (post-install create-missing) and checks the configuration.
        check = subprocess.run([POSTFIX, "-c", str(self.config), "check"], capture_output=True, text=True,
                               timeout=60)
        if check.returncode != 0:
            raise RuntimeError(f"postfix -c {self.config} check failed: {check.stdout}{check.stderr}{self.log()}"
                               f"{self.fatal_on_a_terminal()}")
        with open(self.output, "w") as out:
            # -d: stay in the foreground as our child (so we stop it by PID); -c: this instance.
            self.proc = subprocess.Popen([MASTER, "-c", str(self.config), "-d"], stdout=out,
                                         stderr=subprocess.STDOUT)
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postfix master exited ({self.proc.returncode}): "
                                   f"{self.output.read_text()}{self.log()}")
            try:
                with socket.create_connection((self.address, self.port), timeout=1) as s:
                    s.settimeout(5)
                    if s.recv(512).startswith(b"220"):
                        s.sendall(b"QUIT\r\n")
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"postfix did not greet on {self.address}:{self.port}: {self.log()}")

    def fatal_on_a_terminal(self) -> str:
        """Postfix commands write their fatal errors to stderr only when it is a terminal (else to
        syslog, which a test machine may not run): the check again under script(1) to show why."""
        if not shutil.which("script"):
            return ""
        again = subprocess.run(["script", "-qec", f"{POSTFIX} -c {self.config} check", "/dev/null"],
                               capture_output=True, text=True, timeout=60)
        return again.stdout

    def stop(self) -> None:
        """SIGTERM to our master (it stops its own children), then the directory goes."""
        if self.proc is not None:
            processes.stop(self.proc, timeout=15)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self) -> str:
        return self.maillog.read_text(errors="replace") if self.maillog.exists() else ""

    def wait_log(self, text: str, timeout: float = 15) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            log = self.log()
            if text in log:
                return log
            time.sleep(0.1)
        return self.log()

    def maildir(self, relative: str) -> list[Path]:
        """Messages in the Maildir `relative` to virtual_mailbox_base (new/ and cur/)."""
        folder = self.vmail / relative
        return sorted([*folder.glob("new/*"), *folder.glob("cur/*")])

    def wait_maildir(self, relative: str, count: int, timeout: float = 15) -> list[Path]:
        end = time.monotonic() + timeout
        while time.monotonic() < end and len(self.maildir(relative)) < count:
            time.sleep(0.1)
        return self.maildir(relative)
