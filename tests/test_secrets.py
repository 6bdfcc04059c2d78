"""Secrets never reach output, logs (stderr) or reports.

The credentials are fake but real in form: a service-account JSON file holding a freshly made
RSA private key, whose `token_uri` points at a loopback OAuth server, so that the official
Google client really signs a JWT with it and exchanges it for an access token. The checks
then run against the recorded-response BigQuery server (tests/recorded_bq.py). Every secret
involved (key material, key id, signed assertion, access token, tokens in the environment,
passwords and tokens in URLs, a webhook in handoff notes) is searched for in everything
pipeval printed or wrote.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeval.redact import redact_text, redact_url
from tests.builders import build_warehouse, season_rows
from tests.recorded_bq import Request, Rows, presence_result, recorded_bigquery

KEY_ID = "5c1f0a9e8d7b6a5c4e3d2c1b0a9f8e7d6c5b4a39"
ACCESS_TOKEN = "ya29.c.FAKE-access-token-0123456789abcdefABCDEF"
WEBHOOK = "https://hooks.slack.com/services/T0FAKE0001/B0FAKE0002/QWERTYuiop1234567890abcd"
GITHUB_TOKEN = "ghp_FAKEfakeFAKEfake0123456789abcdefABCD"
PASSWORD = "s3cr3t-Pa55word"


@dataclass
class TokenServer:
    """A loopback OAuth 2.0 token endpoint; `refuse` answers 400 echoing the assertion."""

    refuse: bool = False
    assertions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                assertion = form.get("assertion", [""])[0]
                server.assertions.append(assertion)
                if server.refuse:
                    # The worst case: an error that quotes the signed assertion back.
                    status, body = (
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": f"Invalid JWT Signature: {assertion}",
                        },
                    )
                else:
                    status, body = (
                        200,
                        {
                            "access_token": ACCESS_TOKEN,
                            "expires_in": 3600,
                            "token_type": "Bearer",
                        },
                    )
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    @property
    def uri(self) -> str:
        host, port = self.http.server_address[:2]
        return f"http://{host}:{port}/token"


@pytest.fixture
def token_server() -> Iterator[TokenServer]:
    server = TokenServer()
    server.thread.start()
    yield server
    server.http.shutdown()
    server.http.server_close()


def service_account(path: Path, token_uri: str) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "nba-props-platform",
        "private_key_id": KEY_ID,
        "private_key": pem,
        "client_email": "pipeval-test@nba-props-platform.iam.gserviceaccount.com",
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }
    path.write_text(json.dumps(info), "utf-8")
    return path, pem


def key_material(pem: str) -> list[str]:
    """Pieces of the key that must never be shown: every base64 line of the PEM body."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


def leaks(texts: list[str], secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if any(secret in text for text in texts)]


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Tokens a CI job holds in its environment, which pipeval must never echo."""
    monkeypatch.setenv("SLACK_WEBHOOK_URL", WEBHOOK)
    monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
    for name in ("PIPEVAL_WAREHOUSE", "PIPEVAL_STATE", "PIPEVAL_CREDENTIALS", "PIPEVAL_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("BIGQUERY_EMULATOR_HOST", raising=False)
    return monkeypatch


# The demo's incident date, judged the next morning: completeness only.
DAILY = ["--checks", "completeness", "--date", "2026-01-26", "--as-of", "2026-01-27T15:00:00Z"]


def schedule_then_empty(request: Request) -> Rows | None:
    """Every phase table lacks both final games of the day (each statement joins the schedule)."""
    if request.is_query_job and "nbac_schedule" in request.sql:
        return Rows(presence_result("2026-01-26", ["20260126_LAL_BOS", "20260126_NYK_MIA"], 0))
    return None


def test_a_credentials_file_is_used_and_never_shown(
    run_cli, tmp_path: Path, token_server: TokenServer, quiet_env: pytest.MonkeyPatch
) -> None:
    credentials, pem = service_account(tmp_path / "sa.json", token_server.uri)
    report = tmp_path / "report.md"
    with recorded_bigquery(schedule_then_empty) as bigquery:
        quiet_env.setenv("BIGQUERY_EMULATOR_HOST", bigquery.endpoint)
        url = f"bigquery://nba-props-platform?location=us-west2&access_token={PASSWORD}"
        code, out, err = run_cli(
            "daily",
            "--warehouse",
            url,
            "--credentials",
            str(credentials),
            *DAILY,
            "--output",
            str(report),
        )
        queries = bigquery.query_jobs()
    text = report.read_text("utf-8")
    # The key really signed grants (each concurrent query's client may refresh), and the token
    # they bought really ran the queries.
    assert token_server.assertions and queries
    assert code == 2 and (out, err) == ("", "")  # the schedule's final games are missing
    assert "authenticate" not in text
    secrets = [
        *key_material(pem),
        KEY_ID,
        ACCESS_TOKEN,
        *token_server.assertions,
        PASSWORD,
        WEBHOOK,
        GITHUB_TOKEN,
    ]
    assert leaks([out, err, text], secrets) == []
    assert "bigquery://nba-props-platform?location=us-west2\\&access_token=REDACTED ·" in text


def test_adc_credentials_that_are_refused_are_reported_without_the_secret(
    run_cli, tmp_path: Path, token_server: TokenServer, quiet_env: pytest.MonkeyPatch
) -> None:
    token_server.refuse = True
    credentials, pem = service_account(tmp_path / "adc.json", token_server.uri)
    quiet_env.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(credentials))
    url = "bigquery://nba-props-platform?location=us-west2"
    code, out, err = run_cli("daily", "--warehouse", url, *DAILY, "--format", "json")
    assert token_server.assertions, "the ADC file was not used"
    assert code == 3 and err == ""
    checks = json.loads(out)["checks"]
    assert all("cannot authenticate to BigQuery" in check["summary"] for check in checks)
    secrets = [*key_material(pem), KEY_ID, *token_server.assertions, WEBHOOK, GITHUB_TOKEN]
    assert leaks([out, err], secrets) == []


def test_an_unusable_credentials_file_is_one_line_without_its_content(
    run_cli, tmp_path: Path, quiet_env: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "fake.json"
    body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDFAKEFAKEFAKE"
    fake.write_text(
        json.dumps(
            {
                "type": "service_account",
                "private_key_id": KEY_ID,
                "private_key": f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n",
                "client_email": "x@y.iam.gserviceaccount.com",
                "token_uri": "http://127.0.0.1:9/token",
            }
        ),
        "utf-8",
    )
    for via in (["--credentials", str(fake)], []):
        quiet_env.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(fake))
        code, out, err = run_cli(
            "daily",
            "--warehouse",
            "bigquery://nba-props-platform",
            *via,
            "--as-of",
            "2026-01-27T15:00:00Z",
        )
        assert code == 3 and out == "" and err.count("\n") == 1, err
        assert err.startswith("pipeval: error: ")
        assert leaks([err], [body, KEY_ID]) == []


@pytest.mark.parametrize(
    ("option", "url", "message"),
    [
        ("--warehouse", f"bigquery://etl:{PASSWORD}@nba-props-platform", "credentials in the URL"),
        ("--warehouse", WEBHOOK, "expected one of"),
        ("--warehouse", f"mysql://root:{PASSWORD}@db/x", "expected one of"),
        ("--state", f"firestore://svc:{PASSWORD}@nba-props-platform", "credentials in the URL"),
        ("--state", f"https://x.example/state?token={PASSWORD}", "expected one of"),
    ],
)
def test_urls_with_secrets_are_refused_without_echoing_them(
    run_cli, tmp_path: Path, quiet_env: pytest.MonkeyPatch, option: str, url: str, message: str
) -> None:
    warehouse = build_warehouse(tmp_path / "w.duckdb", season_rows([date(2026, 1, 20)]))
    base = ["--warehouse", f"duckdb://{warehouse}"] if option == "--state" else []
    quiet_env.setenv("PIPEVAL_WAREHOUSE" if option == "--warehouse" else "PIPEVAL_STATE", url)
    code, out, err = run_cli("daily", *base)  # the URL comes from the environment
    assert code == 3 and out == "" and err.count("\n") == 1
    assert message in err
    assert leaks([err], [PASSWORD, WEBHOOK, "QWERTYuiop1234567890abcd"]) == []


def test_handoffs_never_carry_tokens_from_notes_urls_or_the_environment(
    run_cli, tmp_path: Path, quiet_env: pytest.MonkeyPatch
) -> None:
    quiet_env.chdir(tmp_path)
    warehouse = build_warehouse(tmp_path / "w.duckdb", season_rows([date(2026, 1, 20)]))
    notes = tmp_path / "notes.md"
    notes.write_text(
        f"Alerts go to {WEBHOOK} now.\nUsed `GITHUB_TOKEN={GITHUB_TOKEN}` for the API.\n",
        "utf-8",
    )
    handoff = tmp_path / "handoff.md"
    code, out, err = run_cli(
        "handoff",
        "--warehouse",
        f"duckdb://{warehouse}",
        "--as-of",
        "2026-01-21T18:00:00Z",
        "--date",
        "2026-01-20",
        "--notes",
        str(notes),
        "--output",
        str(handoff),
    )
    text = handoff.read_text("utf-8")
    assert code in (0, 1, 2, 3) and err == "" and out == f"{handoff}\n"
    assert "Alerts go to https://hooks.slack.com/REDACTED now." in text  # the notes are kept
    assert leaks([out, err, text], [WEBHOOK, GITHUB_TOKEN, "QWERTYuiop1234567890abcd"]) == []
    # A notes path that itself holds a token is not echoed either when it cannot be read.
    missing = tmp_path / GITHUB_TOKEN / "notes.md"
    code, out, err = run_cli(
        "handoff",
        "--warehouse",
        f"duckdb://{warehouse}",
        "--notes",
        str(missing),
        "--output",
        str(tmp_path / "second.md"),
    )
    assert code == 3 and "file not found" in err and GITHUB_TOKEN not in err


def test_redaction_keeps_what_the_reader_needs() -> None:
    assert redact_url("duckdb:///srv/sample/warehouse.duckdb") == (
        "duckdb:///srv/sample/warehouse.duckdb"
    )
    assert redact_url("bigquery://proj?location=us-west2") == "bigquery://proj?location=us-west2"
    assert redact_url(f"bigquery://u:{PASSWORD}@proj") == "bigquery://REDACTED@proj"
    assert redact_url(WEBHOOK) == "https://hooks.slack.com/REDACTED"
    assert redact_url("https://example.com/docs/quota") == "https://example.com/docs/quota"
    line = f"cannot read dir:///data/state (token {ACCESS_TOKEN})"
    assert redact_text(line) == "cannot read dir:///data/state (token REDACTED)"


def _redact_every_pattern(text: str) -> str:
    """The reference: every secret pattern and the URL pattern over the whole text."""
    from pipeval import redact

    for pattern in redact._SECRETS:
        text = pattern.sub(redact.MASK, text)
    return redact._URL.sub(lambda found: redact.redact_url(found.group(0)), text)


_PIECES = [
    "plain words ",
    "\n",
    "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX ",
    "duckdb:///tmp/w.duckdb?token=abc ",
    "ya29.a0AfH6SMBx-secret ",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.sig_part ",
    "AIza" + "B" * 35 + " ",
    "ghp_" + "a" * 24 + " ",
    "github_pat_" + "b" * 22 + " ",
    "xoxb-1234567890-abc ",
    "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----",
    '{"url": "bigquery://p?location=us&key=v"}',
    "high ghost gh ",
]


@settings(derandomize=True, max_examples=300, database=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12), st.text(max_size=20))
def test_the_cheap_prefilter_masks_exactly_what_every_pattern_does(
    pieces: list[str], noise: str
) -> None:
    text = noise.join(pieces)
    assert redact_text(text) == _redact_every_pattern(text)
