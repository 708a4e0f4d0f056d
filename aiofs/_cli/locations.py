"""Naming locations: how a command-line argument becomes (file system URL, path).

Three spellings, checked in this order (docs/cli.md has the full story):

* ``scheme://...`` — a URL, as in fsspec and the app's own settings. Each scheme says
  where the file system's URL ends and the path begins: ``memory://store/path``,
  ``redis://host:port/db/path``, ``redis+cluster://host:port/path``,
  ``azure://container/path``, ``<other>://netloc/path``. A ``//`` inside the URL ends the
  file system part explicitly, for any scheme: ``azure://media/site-a//avatars/a.jpg``
  is the file ``avatars/a.jpg`` of ``azure://media/site-a``. A trailing ``?key=value``
  gives file-system options. ``file:///srv/x`` without ``//`` is a plain local path.
* ``name:path`` — a named remote, as in rclone: ``name`` is defined by the environment
  variable ``AIOFS_REMOTE_<NAME>=<url>`` or by a ``[name]`` section (``url = ...`` plus
  options) in ``$AIOFS_CONFIG`` or ``~/.config/aiofs/aiofs.conf``.
* anything else is a plain local path (``./media``, ``/srv/media/*.jpg``, ``a.txt``);
  ``./`` makes a local name with a colon unambiguous.

Plain local paths are files as ``cp`` and ``rsync`` see them: read through the local
backend rooted at the named folder, written with a temp file and a rename (no lock files
in the user's folders). A URL or a remote is the aiofs backend exactly as the app sees it.
"""

from __future__ import annotations

import configparser
import dataclasses
import os
import re
import sys
from collections.abc import Mapping
from urllib.parse import parse_qsl, unquote

from .errors import CliError

__all__ = ["Location", "Remotes", "parse"]

_WILDCARDS = frozenset("*?[")
_REMOTE = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*):(.*)", re.DOTALL)
_QUERY = re.compile(r"\?([A-Za-z_][A-Za-z0-9_.-]*=.*)$", re.DOTALL)
_ENV_PREFIX = "AIOFS_REMOTE_"
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


@dataclasses.dataclass(frozen=True)
class Location:
    """Where a command reads or writes: a file system and a path (or glob) inside it.

    ``path`` is relative to the file system's root; ``""`` is the root itself.
    ``local`` is the real directory of a plain local path (``None`` otherwise): writes
    there bypass the backend's locks. ``folder`` means the user marked it a folder (a
    trailing ``/``, a root, an existing local directory). ``alias`` is the name a
    symlinked local file was given (its ``path`` is the target's).
    """

    text: str
    url: str
    options: tuple[tuple[str, str], ...] = ()
    path: str = ""
    local: str | None = None
    folder: bool = False
    alias: str = ""

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Locations with equal keys share one file system (and server-side copies)."""
        return self.url, self.options

    @property
    def has_wildcard(self) -> bool:
        return any(char in _WILDCARDS for char in self.path)

    @property
    def base(self) -> str:
        """The literal folder before the first wildcard segment (for globs)."""
        base: list[str] = []
        for segment in self.path.split("/"):
            if any(char in _WILDCARDS for char in segment):
                break
            base.append(segment)
        return "/".join(base)

    def child(self, rel: str) -> str:
        """The path of ``rel`` inside this location taken as a folder."""
        return f"{self.path}/{rel}" if self.path else rel

    def local_file(self, path: str) -> str:
        """The absolute local file name of ``path`` (plain local locations only)."""
        assert self.local is not None
        return os.path.join(self.local, *path.split("/")) if path else self.local


class Remotes:
    """Named remotes from the environment (``AIOFS_REMOTE_<NAME>``) and the config file."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._environ = os.environ if environ is None else environ
        self._table: dict[str, tuple[str, dict[str, str]]] | None = None

    @property
    def config_path(self) -> str:
        env = self._environ
        if env.get("AIOFS_CONFIG"):
            return env["AIOFS_CONFIG"]
        home = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        return os.path.join(home, "aiofs", "aiofs.conf")

    def table(self) -> dict[str, tuple[str, dict[str, str]]]:
        """``name -> (url, options)``; the environment wins over the config file."""
        if self._table is None:
            table: dict[str, tuple[str, dict[str, str]]] = {}
            parser = configparser.ConfigParser(interpolation=None, default_section="\x00")
            path = self.config_path
            try:
                with open(path, encoding="utf-8") as file:
                    parser.read_file(file)
            except FileNotFoundError:
                pass
            except (OSError, configparser.Error) as exc:
                raise CliError(f"cannot read the config file {path}: {exc}") from exc
            for section in parser.sections():
                options = dict(parser.items(section))
                url = options.pop("url", "")
                if not url:
                    raise CliError(f"remote [{section}] in {path} has no 'url = ...'")
                table[section.lower()] = (url, options)
            for var, url in self._environ.items():
                if var.upper().startswith(_ENV_PREFIX) and len(var) > len(_ENV_PREFIX) and url:
                    table[var[len(_ENV_PREFIX) :].lower()] = (url, {})
            self._table = table
        return self._table

    def get(self, name: str) -> tuple[str, dict[str, str]]:
        try:
            return self.table()[name.lower()]
        except KeyError:
            env = _ENV_PREFIX + re.sub(r"\W", "_", name).upper()
            raise CliError(
                f"unknown remote {name!r}: define it with {env}=<url> or a [{name}] section "
                f"in {self.config_path} (for a local file named with ':', write ./{name}:...)"
            ) from None


def parse(text: str, remotes: Remotes) -> Location:
    """The location a command-line argument names (see the module docstring)."""
    if not text:
        raise CliError("empty location")
    if _URL.match(text):
        return _parse_url(text)
    match = _REMOTE.fullmatch(text)
    if match and not (len(match.group(1)) == 1 and sys.platform == "win32"):
        name, path = match.groups()
        url, options = remotes.get(name)
        return _remote(text, url, tuple(sorted(options.items())), path)
    return _parse_local(text)


def _remote(text: str, url: str, options: tuple[tuple[str, str], ...], path: str) -> Location:
    folder = path == "" or path.endswith("/")
    return Location(text, url, options, path.strip("/"), None, folder)


def redact(text: str) -> str:
    """``text`` fit for messages: no password in the user part, no option values."""
    text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://[^/@:\s]*):[^/@\s]*@", r"\1:***@", text)
    query = _QUERY.search(text)
    if query:
        names = [part.split("=", 1)[0] for part in query.group(1).split("&")]
        text = text[: query.start()] + "?" + "&".join(f"{name}=***" for name in names)
    return text


def _parse_url(original: str) -> Location:
    text = redact(original)
    scheme, rest = original.split("://", 1)
    scheme = scheme.lower()
    options: tuple[tuple[str, str], ...] = ()
    query = _QUERY.search(rest)
    if query:
        rest = rest[: query.start()]
        options = tuple(sorted(parse_qsl(query.group(1), keep_blank_values=True)))
    cut = rest.find("//", 1)
    if cut >= 0:
        root, path = rest[:cut], rest[cut + 2 :]
        return _remote(text, f"{scheme}://{root}", options, path)
    if scheme == "file":
        if options:
            raise CliError(f"{text}: options need a file system root: file:///root//path?...")
        return _parse_local(unquote(rest), text)
    netloc, _, path = rest.partition("/")
    if scheme in ("redis", "rediss"):
        db, _, path = path.partition("/")
        if db and not db.isdigit():
            raise CliError(
                f"{text}: expected a database number after the host, "
                + redact(f"e.g. {scheme}://{netloc}/0/{db}{'/' + path if path else ''}")
            )
        netloc = f"{netloc}/{db}" if db else netloc
    return _remote(text, f"{scheme}://{netloc}", options, path)


def _parse_local(path: str, text: str | None = None) -> Location:
    """A plain local path: rooted at its literal folder (the folder itself, if it is one)."""
    text = path if text is None else text
    full = os.path.abspath(os.path.expanduser(path))
    if os.sep != "/":  # pragma: no cover - Windows
        full = full.replace(os.sep, "/")
    segments = full.strip("/").split("/")
    literal: list[str] = []
    for segment in segments:
        if any(char in _WILDCARDS for char in segment):
            break
        literal.append(segment)
    folder = path.endswith(("/", os.sep))
    if len(literal) == len(segments):  # no wildcard
        if os.path.isdir(full):
            return Location(text, _file_url(full), (), "", os.path.realpath(full), True)
        if os.path.isfile(full):
            # Root a file at its real folder, so a symlinked file is followed as cp does;
            # it keeps the name it was given.
            root, target = os.path.split(os.path.realpath(full))
            alias = os.path.basename(full)
            return Location(text, _file_url(root), (), target, root, False, alias)
        root = "/" + "/".join(literal[:-1])
        name = literal[-1] if literal else ""
    else:
        root = "/" + "/".join(literal)
        name = "/".join(segments[len(literal) :])
    real = os.path.realpath(root)
    return Location(text, _file_url(real), (), name, real, folder)


def _file_url(root: str) -> str:
    return "file://" + root
