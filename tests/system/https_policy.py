"""MTA-STS policy hosts for the loopback test internet: a test CA made with `openssl`,
certificates it issues, and one HTTPS server (http.server + ssl) that picks the certificate by
SNI and the answer by the Host field, so many `mta-sts.DOMAIN` hosts share one address.

    ca = PolicyCa(directory)
    server = PolicyServer("127.0.4.1", port, ca, default="mta-sts.good.test")
    server.add("mta-sts.good.test", 200, "text/plain", "version: STSv1\\n...")
    server.add("mta-sts.other.test", 200, "text/plain", "...", certificate_for="wrong.test")
    server.start() ... server.stop()
"""
from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from pathlib import Path


class PolicyCa:
    """A self-signed EC CA and the leaf certificates it signs (30 days)."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.cert, self.key = directory / "ca.crt", directory / "ca.key"
        self._openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-days", "30", "-subj", "/CN=mxkit test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout", str(self.key),
                      "-out", str(self.cert))

    def _openssl(self, *args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30)

    def issue(self, name: str, san: bool = True) -> tuple[Path, Path]:
        """A certificate for DNS name `name` and its key; without `san` the name is only the
        subject's CN (no subjectAltName: no DNS-ID, RFC 6125 §6.4.4)."""
        cert, key, csr = (self.directory / f"{name}.{ext}" for ext in ("crt", "key", "csr"))
        ext = self.directory / f"{name}.ext"
        ext.write_text((f"subjectAltName=DNS:{name}\n" if san else "") + "basicConstraints=CA:FALSE\n"
                       "extendedKeyUsage=serverAuth\n")
        self._openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(csr))
        self._openssl("x509", "-req", "-in", str(csr), "-CA", str(self.cert), "-CAkey", str(self.key),
                      "-CAcreateserial", "-days", "30", "-extfile", str(ext), "-out", str(cert))
        return cert, key


class PolicyServer:
    """One HTTPS server for many policy hosts. Each host has a certificate (for its own name
    unless `certificate_for` names another) and one answer for /.well-known/mta-sts.txt;
    a host without an answer gets 404."""

    def __init__(self, address: str, port: int, ca: PolicyCa):
        self.address, self.port, self.ca = address, port, ca
        self.answers: dict[str, tuple[int, str, str, dict[str, str]]] = {}
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.httpd: http.server.ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def _context(self, name: str, san: bool = True) -> ssl.SSLContext:
        cert, key = self.ca.issue(name, san)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        return context

    def add(self, host: str, status: int | None, content_type: str = "text/plain", body: str = "",
            certificate_for: str | None = None, headers: dict[str, str] | None = None,
            san: bool = True) -> None:
        """`status` None: the host has a certificate but no policy (404). `san` False: the
        certificate names the host in its CN only."""
        self.contexts[host] = self._context(certificate_for or host, san)
        if status is not None:
            self.answers[host] = (status, content_type, body, headers or {})

    def start(self) -> "PolicyServer":
        answers = self.answers
        contexts = self.contexts
        default = self._context("default.invalid")

        def pick(sock, name, _context):  # SNI: the certificate of the host asked for
            if name in contexts:
                sock.context = contexts[name]

        default.sni_callback = pick

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's name)
                host = self.headers.get("Host", "").rsplit(":", 1)[0]
                answer = answers.get(host) if self.path == "/.well-known/mta-sts.txt" else None
                status, content_type, body, headers = answer or (404, "text/plain", "not found\n", {})
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer((self.address, self.port), Handler)
        self.httpd.daemon_threads = True
        self.httpd.socket = default.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)
