"""A tiny real IMAP4rev1 server for tests: asyncio on a free loopback port, in a background thread.

It speaks the part of the protocol imaplib and imap-tools use to read a mailbox: CAPABILITY,
LOGIN, SELECT, UID SEARCH (ALL, UNSEEN, UNFLAGGED), UID FETCH, UID STORE (+FLAGS/-FLAGS), UID MOVE, EXPUNGE,
NOOP and LOGOUT. Messages live in memory with their flags, so tests can look at them afterwards.
"""

from __future__ import annotations

import asyncio
import re
import threading
from dataclasses import dataclass, field

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\([^)]*\))|(\S+)')


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


class ImapServer:
    def __init__(self, *, username: str, password: str, folder: str = "INBOX") -> None:
        self.username = username
        self.password = password
        self.folder = folder
        self.messages: list[StoredMessage] = []
        self.moved: dict[str, list[StoredMessage]] = {}
        self.commands: list[str] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def add(self, raw: bytes, *flags: str) -> StoredMessage:
        stored = StoredMessage(uid=len(self.messages) + 1, raw=raw, flags=set(flags))
        self.messages.append(stored)
        return stored

    def start(self) -> ImapServer:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            # Clients that never logged out (a refused login) leave their handlers waiting.
            pending = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    # --- protocol ---------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"* OK [CAPABILITY IMAP4rev1 UIDPLUS MOVE] Test server ready\r\n")
        selected = False
        authenticated = False
        while True:
            line = await reader.readline()
            if not line:
                break
            tokens = [
                next(value for value in match.groups() if value is not None)
                for match in _TOKEN.finditer(line)
            ]
            if len(tokens) < 2:
                writer.write(b"* BAD No command\r\n")
                continue
            tag, command, args = tokens[0], tokens[1].upper(), tokens[2:]
            self.commands.append(command.decode())
            if command == b"CAPABILITY":
                writer.write(
                    b"* CAPABILITY IMAP4rev1 UIDPLUS MOVE\r\n" + tag + b" OK CAPABILITY completed\r\n"
                )
            elif command == b"LOGIN":
                if len(args) == 2 and args[0].decode() == self.username and args[1].decode() == self.password:
                    authenticated = True
                    writer.write(tag + b" OK LOGIN completed\r\n")
                else:
                    writer.write(tag + b" NO [AUTHENTICATIONFAILED] Invalid credentials\r\n")
            elif command == b"SELECT" and authenticated:
                if args and args[0].decode() == self.folder:
                    selected = True
                    writer.write(
                        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                        + f"* {len(self.messages)} EXISTS\r\n* 0 RECENT\r\n".encode()
                        + b"* OK [UIDVALIDITY 1] UIDs valid\r\n"
                        + tag
                        + b" OK [READ-WRITE] SELECT completed\r\n"
                    )
                else:
                    writer.write(tag + b" NO No such folder\r\n")
            elif command == b"UID" and selected and args:
                writer.write(self._uid(tag, args[0].upper(), args[1:]))
            elif command in (b"NOOP", b"EXPUNGE", b"CHECK"):
                writer.write(tag + b" OK " + command + b" completed\r\n")
            elif command == b"LOGOUT":
                writer.write(b"* BYE Logging out\r\n" + tag + b" OK LOGOUT completed\r\n")
                await writer.drain()
                break
            else:
                writer.write(tag + b" BAD Unknown or out-of-state command\r\n")
            await writer.drain()
        writer.close()

    def _by_uids(self, uid_set: bytes) -> list[tuple[int, StoredMessage]]:
        wanted: set[int] = set()
        for part in uid_set.decode().split(","):
            if ":" in part:
                low, high = part.split(":")
                top = max((message.uid for message in self.messages), default=0)
                wanted.update(range(int(low), (top if high == "*" else int(high)) + 1))
            else:
                wanted.add(int(part))
        return [(index + 1, message) for index, message in enumerate(self.messages) if message.uid in wanted]

    def _uid(self, tag: bytes, command: bytes, args: list[bytes]) -> bytes:
        if command == b"SEARCH":
            criteria = b" ".join(args).upper().replace(b"(", b" ").replace(b")", b" ").split()
            if criteria[:1] == [b"CHARSET"]:
                criteria = criteria[2:]
            found = [
                message.uid
                for message in self.messages
                if (b"UNSEEN" not in criteria or "\\Seen" not in message.flags)
                and (b"UNFLAGGED" not in criteria or "\\Flagged" not in message.flags)
                and "\\Deleted" not in message.flags
            ]
            return (
                b"* SEARCH "
                + " ".join(map(str, found)).encode()
                + b"\r\n"
                + tag
                + b" OK SEARCH completed\r\n"
            )
        if command == b"FETCH":
            out = b""
            peek = b"PEEK" in b" ".join(args[1:]).upper()
            for sequence, message in self._by_uids(args[0]):
                if not peek:
                    message.flags.add("\\Seen")
                flags = " ".join(sorted(message.flags)).encode()
                out += (
                    f"* {sequence} FETCH (UID {message.uid} FLAGS (".encode()
                    + flags
                    + f") RFC822.SIZE {len(message.raw)} BODY[] {{{len(message.raw)}}}\r\n".encode()
                    + message.raw
                    + b")\r\n"
                )
            return out + tag + b" OK FETCH completed\r\n"
        if command == b"STORE":
            out = b""
            mode = args[1].upper()
            flags = {flag.decode() for flag in args[2].strip(b"()").split()}
            for sequence, message in self._by_uids(args[0]):
                if mode.startswith(b"+"):
                    message.flags |= flags
                elif mode.startswith(b"-"):
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                current = " ".join(sorted(message.flags)).encode()
                out += f"* {sequence} FETCH (UID {message.uid} FLAGS (".encode() + current + b"))\r\n"
            return out + tag + b" OK STORE completed\r\n"
        if command == b"MOVE":
            out = b""
            for sequence, message in sorted(self._by_uids(args[0]), key=lambda item: item[0], reverse=True):
                self.messages.remove(message)
                self.moved.setdefault(args[1].decode(), []).append(message)
                out += f"* {sequence} EXPUNGE\r\n".encode()
            return out + tag + b" OK MOVE completed\r\n"
        return tag + b" BAD Unknown UID command\r\n"
