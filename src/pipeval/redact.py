"""Keep secrets out of everything pipeval shows: error lines, reports and handoffs.

People put credentials where they do not belong (a password in a warehouse URL, a token in a
query string, a webhook in handoff notes, a key file's content in an error). pipeval echoes
URLs and messages back, and handoffs get committed, so whatever it prints or writes passes
through `redact_text` first. URLs keep what helps the reader (scheme, host, the path of a
pipeval URL, `location`) and lose what authenticates.
"""

from __future__ import annotations

import re
import re._constants as _constants
import re._parser as _parser
from urllib.parse import urlsplit

# Plain letters: a mask must not turn into Markdown emphasis when a report shows it.
MASK = "REDACTED"
PIPEVAL_SCHEMES = frozenset({"duckdb", "dir", "bigquery", "firestore"})
# Query parameters pipeval URLs use; any other parameter's value is masked.
SAFE_PARAMS = frozenset({"location"})

_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`()\[\]{}|,]+")
# A path segment that looks generated rather than named: long, with letters and digits.
_TOKEN_SEGMENT = re.compile(r"(?=[^/]*[A-Za-z])(?=[^/]*\d)[A-Za-z0-9_.~+=-]{16,}")
# Token shapes match wherever they start, also glued to a word (`key_ghp_...`, `20260125_ghp_...`,
# `untracked_xoxb-...`): no leading \b, which `_` and letters would defeat.
_SECRETS = (
    # A PEM private key (service-account JSON holds one), whole or cut off; its body is base64
    # with real or JSON-escaped line breaks, so a match never runs past the key.
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\n)*"
        r"(?:-----END [A-Z ]*PRIVATE KEY-----)?"
    ),
    re.compile(r"ya29\.[A-Za-z0-9._-]+"),  # Google OAuth access token
    # A signed JWT (e.g. the assertion exchanged for a token, echoed in an auth error).
    re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    re.compile(r"AIza[0-9A-Za-z_-]{35}"),  # Google API key
    re.compile(r"gh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub token
    re.compile(r"github_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack token
)


def redact_url(url: str) -> str:
    """`url` without userinfo, secret query values or a token-bearing path."""
    if "://" not in url:
        # Not a URL (`md:my_db`, a bare path): shown as given, its userinfo masked if any.
        user, at, rest = url.rpartition("@")
        return f"{MASK}@{rest}" if at and user else url
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"{url.split('://', 1)[0]}://{MASK}"
    host = parts.netloc.rpartition("@")[2]
    netloc = f"{MASK}@{host}" if "@" in parts.netloc else host
    path = parts.path
    if parts.scheme.lower() not in PIPEVAL_SCHEMES and _secret_path(host, path):
        path = f"/{MASK}"
    query = "&".join(_param(pair) for pair in parts.query.split("&") if pair)
    text = f"{url.split('://', 1)[0]}://{netloc}{path}"
    if parts.query:
        text += f"?{query or MASK}"
    if parts.fragment:
        text += f"#{MASK}"
    return text


def _secret_path(host: str, path: str) -> bool:
    # Webhooks (Slack, Teams, Discord, ...) carry their secret in the path.
    if "hook" in host.lower() or "hook" in path.lower():
        return True
    return any(_TOKEN_SEGMENT.fullmatch(segment) for segment in path.split("/"))


def _param(pair: str) -> str:
    name, _, value = pair.partition("=")
    return f"{name}={value if name.lower() in SAFE_PARAMS else MASK}"


def _literal_start(pattern: re.Pattern[str]) -> str | None:
    """The literal text every match of `pattern` starts with (after zero-width assertions such
    as `\\b`), when it is at least two characters: a cheap `in` test can then rule it out."""
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # an unusual pattern is simply always run
        return None
    chars: list[str] = []
    for op, arg in parsed:
        if op is _constants.AT and not chars:
            continue
        if op is not _constants.LITERAL:
            break
        chars.append(chr(arg))
    return "".join(chars) if len(chars) >= 2 else None


# Each pattern with the literal its matches start with (None: always run it). Large outputs
# (a season's JSON) rarely hold any of these, so most patterns are skipped by a substring test.
_GUARDED = tuple((pattern, _literal_start(pattern)) for pattern in _SECRETS)
_URL_MARK = "://"


def redact_text(text: str) -> str:
    """`text` with secrets masked: key material, known token shapes, and every URL redacted."""
    for pattern, needle in _GUARDED:
        if needle is None or needle in text:
            text = pattern.sub(MASK, text)
    # Only the lines that hold a URL go through the URL pattern (a URL never spans lines), found
    # by a substring search rather than a loop over every line of a large report.
    found = text.find(_URL_MARK)
    if found < 0:
        return text
    parts: list[str] = []
    done = 0
    while found >= 0:
        start = text.rfind("\n", 0, found) + 1
        end = text.find("\n", found)
        end = len(text) if end < 0 else end
        parts.append(text[done:start])
        parts.append(_URL.sub(_redact_found, text[start:end]))
        done = end
        found = text.find(_URL_MARK, end)
    parts.append(text[done:])
    return "".join(parts)


def _redact_found(found: re.Match[str]) -> str:
    return redact_url(found.group(0))
