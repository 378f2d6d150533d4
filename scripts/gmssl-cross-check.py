#!/usr/bin/env python3
"""Cross-checks Shulian's SM2/SM3 (RustCrypto's sm2 and sm3) against an independent
implementation, the pure-Python `gmssl` (pinned in scripts/tools-requirements.txt).

Reads a JSON object on stdin: {"secret": hex d, "public_key": hex x (Shulian's x-only key),
"message": hex M, "signature": hex r||s made by Rust, "sm3": [{"input": hex, "digest": hex}]}.
Writes a JSON object: whether gmssl verifies the Rust signature, gmssl's own signature of M
(for Rust to verify), gmssl's SM3 of every input, and the full public key it derived.
Run by network-tests/tests/it/gmssl_cross_check.rs.
"""
import json
import sys

from gmssl import sm2, sm3, func

P = int(sm2.default_ecc_table["p"], 16)
N = int(sm2.default_ecc_table["n"], 16)


def main() -> None:
    req = json.load(sys.stdin)
    d = int(req["secret"], 16) % N
    probe = sm2.CryptSM2(private_key=None, public_key="")
    point = probe._kg(d, sm2.default_ecc_table["g"])
    x, y = int(point[:64], 16), int(point[64:], 16)
    # Shulian keeps the point with even y: a secret whose point has odd y is negated.
    if y % 2 == 1:
        d = N - d
        y = P - y
    public = "%064x%064x" % (x, y)
    message = bytes.fromhex(req["message"])
    verifier = sm2.CryptSM2(private_key=None, public_key=public)
    rust_ok = bool(verifier.verify_with_sm3(req["signature"], message))
    tampered = bytearray(bytes.fromhex(req["signature"]))
    tampered[40] ^= 1
    tampered_ok = bool(verifier.verify_with_sm3(tampered.hex(), message))
    signer = sm2.CryptSM2(private_key="%064x" % d, public_key=public)
    # A fixed nonce: the run is reproducible (gmssl draws one at random otherwise).
    k = "%064x" % (int.from_bytes(bytes(range(1, 33)), "big") % N)
    python_sig = signer.sign_with_sm3(message, k)
    digests = [sm3.sm3_hash(func.bytes_to_list(bytes.fromhex(v["input"]))) for v in req["sm3"]]
    json.dump(
        {
            "public_key": public,
            "x_matches": "%064x" % x == req["public_key"].lower(),
            "rust_signature_verifies": rust_ok,
            "tampered_signature_verifies": tampered_ok,
            "python_signature": python_sig,
            "sm3": digests,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
