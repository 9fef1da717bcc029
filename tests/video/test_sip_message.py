"""The SIP parser and builder, and the digest check, without a network."""

import hashlib

import pytest

from cityops.video.sip import digest
from cityops.video.sip.message import MAX_MESSAGE, Malformed, address, auth_params, parse, response, uri_user

REGISTER = (
    b"REGISTER sip:44190000002000000001@4419000000 SIP/2.0\r\n"
    b"v: SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bK1\r\n"
    b"f: <sip:44190000001187000001@4419000000>;tag=a1\r\n"
    b"t: <sip:44190000001187000001@4419000000>\r\n"
    b"i: call-1\r\n"
    b"CSeq: 7 REGISTER\r\n"
    b"m: <sip:44190000001187000001@10.0.0.5:5060>;expires=600\r\n"
    b"Subject: a long\r\n  folded value\r\n"
    b"l: 4\r\n\r\nbodyEXTRA"
)


def test_compact_headers_folding_and_content_length():
    msg = parse(REGISTER)
    assert (msg.method, msg.cseq) == ("REGISTER", (7, "REGISTER"))
    assert msg.get("Call-ID") == "call-1" and msg.get("via").startswith("SIP/2.0/UDP")
    assert msg.get("Subject") == "a long folded value"
    assert msg.body == b"body"  # UDP: Content-Length cuts what follows
    assert address(msg.get("Contact")) == ("sip:44190000001187000001@10.0.0.5:5060", {"expires": "600"})
    assert uri_user(address(msg.get("From"))[0]) == "44190000001187000001"


def test_a_response_stamps_via_for_nat_and_tags_to():
    out = response(parse(REGISTER), 200, source=("203.0.113.9", 40000)).to_bytes().decode()
    assert "Via: SIP/2.0/UDP 10.0.0.5:5060;rport=40000;branch=z9hG4bK1;received=203.0.113.9\r\n" in out
    assert "To: <sip:44190000001187000001@4419000000>;tag=" in out
    assert out.startswith("SIP/2.0 200 OK\r\n") and out.endswith("Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no blank line"),
        (b"garbage\r\n\r\n", "three parts"),
        (b"register sip:a@b SIP/2.0\r\n\r\n", "upper-case"),
        (b"REGISTER sip:a@b SIP/1.0\r\n\r\n", "not SIP/2.0"),
        (b"SIP/2.0 99 Odd\r\n\r\n", "100"),
        (REGISTER.replace(b"CSeq: 7 REGISTER", b"CSeq: x"), "CSeq"),
        (REGISTER.replace(b"CSeq: 7 REGISTER", b"CSeq: 7 MESSAGE"), "differs"),
        (REGISTER.replace(b"i: call-1\r\n", b""), "no Call-ID"),
        (REGISTER.replace(b"l: 4", b"l: 400"), "bytes follow"),
        (REGISTER.replace(b"l: 4", b"l: -1"), "not a number"),
        (REGISTER.replace(b"Subject", b"Bad Name"), "without a name"),
        (b"A" * (MAX_MESSAGE + 1), "more than"),
        (b"OPTIONS sip:a@b SIP/2.0\r\n" + b"X: y\r\n" * 70 + b"\r\n", "headers"),
        (b"OPTIONS sip:a@b SIP/2.0\r\nX: \xff\r\n\r\n", "UTF-8"),
    ],
)
def test_malformed_messages_name_their_fault(data, reason):
    with pytest.raises(Malformed, match=reason):
        parse(data)


def test_a_stream_needs_an_exact_content_length():
    with pytest.raises(Malformed, match="no Content-Length"):
        parse(REGISTER.replace(b"l: 4\r\n", b""), stream=True)
    with pytest.raises(Malformed, match="in the frame"):
        parse(REGISTER, stream=True)


def _md5(s):
    return hashlib.md5(s.encode()).hexdigest()


def test_digest_with_qop_and_without():
    realm, nonce = "4419000000", digest.new_nonce("4419000000")
    ha1, ha2 = _md5(f"dev:{realm}:pw"), _md5("REGISTER:sip:x@y")
    with_qop = {
        "username": "dev",
        "realm": realm,
        "nonce": nonce,
        "uri": "sip:x@y",
        "qop": "auth",
        "nc": "00000001",
        "cnonce": "c",
        "response": _md5(f"{ha1}:{nonce}:00000001:c:auth:{ha2}"),
    }
    assert digest.check(digest.Answer.from_params(with_qop), method="REGISTER", password="pw")
    assert not digest.check(digest.Answer.from_params(with_qop), method="REGISTER", password="pW")
    plain = {k: v for k, v in with_qop.items() if k not in ("qop", "nc", "cnonce")}
    plain["response"] = _md5(f"{ha1}:{nonce}:{ha2}")
    assert digest.check(digest.Answer.from_params(plain), method="REGISTER", password="pw")
    with pytest.raises(ValueError, match="lacks response"):
        digest.Answer.from_params({**plain, "response": ""})


def test_nonces_expire_and_cannot_be_forged():
    nonce = digest.new_nonce("r", now=1_000_000)
    assert digest.nonce_state(nonce, "r", now=1_000_100) == "ok"
    assert digest.nonce_state(nonce, "r", now=1_000_000 + digest.NONCE_TTL_S + 1) == "stale"
    assert digest.nonce_state(nonce, "other realm", now=1_000_100) == "bad"
    assert digest.nonce_state("0f" + nonce[2:], "r", now=1_000_100) == "bad"


def test_authorization_header_parsing():
    scheme, p = auth_params('Digest username="a", realm="r,x", nonce=n, uri="sip:a@b", response="f"')
    assert scheme == "Digest" and p["realm"] == "r,x" and p["nonce"] == "n"
    with pytest.raises(Malformed):
        auth_params('Digest username="a" realm="r"')
