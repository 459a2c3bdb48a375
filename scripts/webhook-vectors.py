#!/usr/bin/env python3
"""Webhook signature vectors computed with Python's own hmac module, so that
the Rust verifier is checked against an implementation it shares no code
with.

    python3 scripts/webhook-vectors.py          # rewrite the fixture
    python3 scripts/webhook-vectors.py --check  # fail if the fixture differs

Each vector is a delivery (secret, date header, raw body) and the signature
HMAC-SHA256(secret, date + "\n" + body) in lowercase hex. Each tampered case
changes one thing of a vector's delivery and says which check must refuse
it. Bodies are written as hex so that any byte survives JSON.
"""

import hashlib
import hmac
import json
import pathlib
import sys

FIXTURE = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/webhook-vectors.json"

# The instant every vector is checked at, and dates around it.
NOW = "2026-12-01T12:00:00Z"

DELIVERIES = [
    {
        "name": "alert notification, RFC 3339 date",
        "secret": "whsec_5b1d6c0f3e9a4b7d",
        "date": "2026-12-01T12:00:00Z",
        "body": b'{"id":"8a1c3f4e-6b2d-4d8e-9f10-2a3b4c5d6e7f","type":"alerts.low_remaining_credit_balance_reached","properties":{"customer_id":"d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc","threshold":1000}}',
    },
    {
        "name": "HTTP date, four minutes old",
        "secret": "another secret with spaces",
        "date": "Tue, 01 Dec 2026 11:56:00 GMT",
        "body": b'{"id":"n-2","type":"invoice.finalized","properties":{"invoice_id":"i-9"}}',
    },
    {
        "name": "non-ASCII secret and body, date with an offset",
        "secret": "s\u00e9cr\u00e9t-\u00fc\u00f1\u00ee",
        "date": "2026-12-01T13:03:00+01:00",
        "body": '{"id":"n-3","type":"contract.created","properties":{"name":"Caf\u00e9 \u2615"}}'.encode("utf-8"),
    },
    {
        "name": "pretty-printed body with newlines, date ahead by four minutes",
        "secret": "k",
        "date": "2026-12-01T12:04:00Z",
        "body": b'{\n  "id": "n-4",\n  "type": "commit.segment.start",\n  "properties": {}\n}\n',
    },
    {
        "name": "a long secret (longer than the SHA-256 block)",
        "secret": "x" * 100,
        "date": "2026-12-01T11:59:59Z",
        "body": b'{"id":"n-5","type":"payment_gate.payment_status","properties":{"status":"paid"}}',
    },
]


def signature(secret: str, date: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), date.encode("utf-8") + b"\n" + body, hashlib.sha256).hexdigest()


def build() -> dict:
    vectors = []
    tampered = []
    for d in DELIVERIES:
        sig = signature(d["secret"], d["date"], d["body"])
        vectors.append({
            "name": d["name"],
            "secret": d["secret"],
            "date": d["date"],
            "body_hex": d["body"].hex(),
            "signature": sig,
        })

        def case(what, expect, secret=d["secret"], date=d["date"], body=d["body"], signature=sig):
            tampered.append({
                "name": f'{d["name"]}: {what}',
                "secret": secret,
                "date": date,
                "body_hex": body.hex(),
                "signature": signature,
                "expect": expect,
            })

        flipped = bytearray(d["body"])
        flipped[len(flipped) // 2] ^= 0x01
        case("one body bit flipped", "bad_signature", body=bytes(flipped))
        case("a byte appended to the body", "bad_signature", body=d["body"] + b" ")
        case("the body re-serialised", "bad_signature",
             body=json.dumps(json.loads(d["body"]), separators=(", ", ": ")).encode("utf-8"))
        case("the wrong secret", "bad_signature", secret=d["secret"] + "x")
        case("the date changed (signature kept)", "bad_signature",
             date=d["date"].replace(":00", ":01", 1) if ":00" in d["date"] else d["date"] + " ")
        case("the signature cut short", "bad_signature", signature=sig[:-2])
        case("the signature of another delivery", "bad_signature",
             signature=signature(d["secret"], d["date"], b"{}"))
        case("the signature not hex", "invalid_signature_header", signature="z" * 64)
        case("the signature in upper case (still valid)", "ok", signature=sig.upper())

    # Valid signatures whose date is out of the five-minute window.
    for date, expect in [("2026-12-01T11:54:59Z", "too_old"), ("2026-12-01T12:05:01Z", "too_new"),
                         ("Tue, 01 Dec 2026 11:00:00 GMT", "too_old"),
                         ("yesterday", "invalid_date_header")]:
        body = b'{"id":"n-6","type":"alerts.spend_threshold_reached","properties":{}}'
        tampered.append({
            "name": f"date {date!r} at {NOW}",
            "secret": "whsec_window",
            "date": date,
            "body_hex": body.hex(),
            "signature": signature("whsec_window", date, body),
            "expect": expect,
        })
    return {
        "about": "Written by scripts/webhook-vectors.py with Python's hmac module; do not edit.",
        "now": NOW,
        "vectors": vectors,
        "tampered": tampered,
    }


def main() -> int:
    text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
    if "--check" in sys.argv[1:]:
        if not FIXTURE.exists() or FIXTURE.read_text(encoding="utf-8") != text:
            print(f"{FIXTURE} is not what scripts/webhook-vectors.py writes; run it", file=sys.stderr)
            return 1
        print(f"{FIXTURE.name}: {len(build()['vectors'])} vectors, {len(build()['tampered'])} tampered cases, up to date")
        return 0
    FIXTURE.write_text(text, encoding="utf-8")
    print(f"wrote {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
