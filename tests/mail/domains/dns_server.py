"""A tiny authoritative DNS server on 127.0.0.1 for the domain checks: a UDP thread that answers
TXT and MX questions from a dict, with real DNS messages on the wire (dnspython encodes them)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

TXT_CHUNK = 255


def _txt_rdata(value: str) -> dns.rdata.Rdata:
    # One TXT record may hold several strings of up to 255 bytes; receivers join them.
    data = value.encode()
    chunks = [data[start : start + TXT_CHUNK] for start in range(0, len(data), TXT_CHUNK)] or [b""]
    text = " ".join('"' + chunk.decode().replace("\\", "\\\\").replace('"', '\\"') + '"' for chunk in chunks)
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TXT, text)


class DnsServer:
    """`records` maps (name, "TXT" | "MX") to values: TXT strings, or MX "10 mail.example.com".
    Names with no records (and no records below them) answer NXDOMAIN; `silent` answers nothing."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.silent = False
        self.servfail = False
        self.questions: list[tuple[str, str]] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="test-dns", daemon=True)

    @property
    def address(self) -> str:
        host, port = self._socket.getsockname()
        return f"{host}:{port}"

    def set(self, name: str, rdtype: str, values: Iterable[str]) -> None:
        self.records[(name.lower().rstrip("."), rdtype.upper())] = list(values)

    def start(self) -> DnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()

    def _exists(self, name: str) -> bool:
        return any(key == name or key.endswith("." + name) for key, _ in self.records)

    def answer(self, wire: bytes) -> bytes | None:
        query = dns.message.from_wire(wire)
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.questions.append((name, rdtype))
        if self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if self.servfail:
            response.set_rcode(dns.rcode.SERVFAIL)
            return response.to_wire()
        values = self.records.get((name, rdtype), [])
        if values:
            rrset = dns.rrset.RRset(question.name, dns.rdataclass.IN, question.rdtype)
            for value in values:
                if rdtype == "TXT":
                    rrset.add(_txt_rdata(value), ttl=300)
                else:
                    rrset.add(
                        dns.rdata.from_text(
                            dns.rdataclass.IN, question.rdtype, value, origin=dns.name.root, relativize=False
                        ),
                        ttl=300,
                    )
            response.answer.append(rrset)
        elif not self._exists(name):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self._socket.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = self.answer(wire)
            except Exception:  # a malformed packet gets no answer, like on a real server
                continue
            if reply is not None:
                self._socket.sendto(reply, client)
