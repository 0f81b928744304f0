"""A real IMAP server for the tests: Debian's Dovecot (``make test`` installs it), started on a
free port of 127.0.0.1 with a configuration of its own in a temporary folder — one mailbox,
plain login without TLS, mail kept in a Maildir there — and stopped afterwards. Nothing of the
machine's own Dovecot (its service is never started) is used."""

from __future__ import annotations

import contextlib
import imaplib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
#: Mail cannot belong to root: as root, the mailbox is run as "nobody".
NOBODY = 65534


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str

    def open(self) -> imaplib.IMAP4:
        mailbox = imaplib.IMAP4(self.host, self.port)
        mailbox.login(self.user, self.password)
        return mailbox

    def deliver(self, *messages: bytes) -> None:
        """Put ``messages`` in the INBOX as the mail server would (IMAP APPEND), unseen."""
        with self.open() as mailbox:
            for raw in messages:
                status, _answer = mailbox.append("INBOX", None, None, raw)
                assert status == "OK", _answer

    def seen(self) -> list[bool]:
        """Whether each message of the INBOX, in order, is flagged seen on the server."""
        with self.open() as mailbox:
            mailbox.select("INBOX", readonly=True)
            _status, found = mailbox.uid("SEARCH", None, "ALL")
            flags = []
            for uid in (found[0] or b"").split():
                _status, data = mailbox.uid("FETCH", uid, "(FLAGS)")
                flags.append(imaplib.ParseFlags(data[0]))
        return [b"\\Seen" in each for each in flags]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


CONFIG = """\
base_dir = {folder}/run
state_dir = {folder}/state
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {folder}/dovecot.log
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = {folder}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextlib.contextmanager
def dovecot() -> Iterator[Mailbox]:
    """Run a Dovecot of its own, in a folder of its own, for as long as the block lasts."""
    if not Path(DOVECOT).exists():
        raise RuntimeError(f"{DOVECOT} is missing: `make test` installs dovecot-imapd")
    # Not under pytest's tmp_path (0700): Dovecot's own users must read the passwd file.
    folder = Path(tempfile.mkdtemp(prefix="pacta-dovecot-"))
    folder.chmod(0o755)
    port = _free_port()
    uid = os.getuid() if os.getuid() else NOBODY
    gid = os.getgid() if os.getuid() else NOBODY
    home = folder / "mail"
    for part in ("run", "state", "mail"):
        (folder / part).mkdir(parents=True)
    if not os.getuid():
        os.chown(home, uid, gid)
    (folder / "passwd").write_text(f"pacta:{{PLAIN}}secret:{uid}:{gid}::{home}\n")
    config = folder / "dovecot.conf"
    config.write_text(CONFIG.format(folder=folder, port=port))
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                log = (
                    (folder / "dovecot.log").read_text()
                    if (folder / "dovecot.log").exists()
                    else ""
                )
                raise RuntimeError(f"Dovecot did not start: {server.stderr.read()!r} {log}")
            time.sleep(0.05)
        yield Mailbox("127.0.0.1", port, "pacta", "secret")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
