"""Checks the hub's Open Badges 3.0 credentials with openbadgeslib 4.6.3 (VC-JWT and Data Integrity eddsa-rdfc-2022).

Run it with the Python 3.11 venv of requirements-ob3.txt. It reads:
  OB3_CREDENTIAL_URL          a valid credential (JSON with a DataIntegrityProof; URL + '.jwt', '.png', '.svg')
  OB3_REVOKED_CREDENTIAL_URL  one whose bit is set in its status list
  OB3_JWKS_URL                optional, defaults to the issuer id + '/jwks'
Prints `ok  <check>` or `FAIL <check>: why` per check, then `ob3: N passed, M failed`; exits 1 on any failure.

openbadgeslib resolves keys only for did:key and did:web issuers. The hub's issuer is an http(s) URL, so this
script finds the key the way a verifier pinned to the hub would (JWKS by `kid` for a JWT, the controller document's
Multikey for a Data Integrity proof) and hands openbadgeslib the PEM. Its downloader refuses plain HTTP and
loopback, so the script passes one that allows them for the hub's origin only.
"""

import base64
import contextlib
import copy
import gzip
import io
import json
import os
import sys
import traceback
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from openbadgeslib.ob3 import OB3LdpVerifier, OB3VerificationError, OB3Verifier
from openbadgeslib.ob3.ldp import verify_data_integrity_proof
from openbadgeslib.ob3.status import decode_encoded_list
from openbadgeslib.util import download_file
from openbadgeslib.verify import verify_badge

CREDENTIAL_URL = os.environ['OB3_CREDENTIAL_URL']
REVOKED_URL = os.environ['OB3_REVOKED_CREDENTIAL_URL']
ORIGIN = '{0.scheme}://{0.netloc}'.format(urlsplit(CREDENTIAL_URL))

passed = 0
failed = 0


def check(name, fn):
    global passed, failed
    try:
        fn()
    except AssertionError as e:
        failed += 1
        print('FAIL {}: {}'.format(name, e))
    except Exception as e:
        failed += 1
        print('FAIL {}: {}'.format(name, ''.join(traceback.format_exception_only(type(e), e)).strip()))
    else:
        passed += 1
        print('ok  {}'.format(name))


def download(url):
    """openbadgeslib's own downloader, allowed plain HTTP and loopback for the hub's origin only."""
    assert '{0.scheme}://{0.netloc}'.format(urlsplit(url)) == ORIGIN, 'refusing to fetch {} (not the hub)'.format(url)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a warning for every plain-HTTP fetch
        return download_file(url, allow_insecure=True, allow_private=True)


def download_jwt_status_list(url):
    """Serves URL + '.jwt' for the status list, so openbadgeslib can check the list's own (JWT) signature."""
    return download(url + '.jwt' if url == status_list_url() else url)


def get_json(url):
    return json.loads(download(url))


def b58decode(text):
    alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
    number = 0
    for char in text:
        number = number * 58 + alphabet.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, 'big')
    return b'\0' * (len(text) - len(text.lstrip('1'))) + raw


def pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def multikey_pem(multibase):
    assert multibase.startswith('z6Mk'), 'publicKeyMultibase {!r} is not a base58btc Ed25519 Multikey'.format(multibase)
    raw = b58decode(multibase[1:])
    assert raw[:2] == b'\xed\x01' and len(raw) == 34, 'not an Ed25519 public key (multicodec 0xed)'
    return pem(Ed25519PublicKey.from_public_bytes(raw[2:]))


def issuer_id(credential):
    issuer = credential.get('issuer')
    return issuer.get('id') if isinstance(issuer, dict) else issuer


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4)))


def b64url(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b'=').decode()


state = {}


def credential():
    if 'credential' not in state:
        state['credential'] = get_json(CREDENTIAL_URL)
    return state['credential']


def status_list_url():
    return credential()['credentialStatus']['statusListCredential']


def issuer_document():
    if 'issuer' not in state:
        state['issuer'] = get_json(issuer_id(credential()))
    return state['issuer']


def jwks():
    if 'jwks' not in state:
        state['jwks'] = get_json(os.environ.get('OB3_JWKS_URL') or issuer_id(credential()) + '/jwks')
    return state['jwks']


def key_id(method_id):
    """The JWKS `kid` of a verification method: its fragment, or the last path segment of a key URL."""
    return method_id.split('#', 1)[1] if '#' in method_id else method_id.rstrip('/').rsplit('/', 1)[1]


def issuer_method(method_id, issuer):
    """The Multikey `method_id` names, as listed by the issuer's controller document for assertions."""
    controller = issuer_document()
    assert controller.get('id') == issuer, \
        'the controller document is {!r}, not {}'.format(controller.get('id'), issuer)
    methods = [m for m in controller.get('verificationMethod', []) if isinstance(m, dict) and m.get('id') == method_id]
    assert len(methods) == 1, '{} lists {} verificationMethod {}'.format(issuer, len(methods), method_id)
    method = methods[0]
    assert method.get('type') == 'Multikey', 'type {!r}'.format(method.get('type'))
    assert method.get('controller') == issuer, 'controller {!r}'.format(method.get('controller'))
    assert method_id in controller.get('assertionMethod', []), '{} is not an assertionMethod'.format(method_id)
    if '#' not in method_id:
        served = get_json(method_id)
        assert served.get('publicKeyMultibase') == method['publicKeyMultibase'] and served.get('id') == method_id, \
            '{} serves another key than the controller document lists'.format(method_id)
    return method


def key_for_proof(document):
    """The PEM of the Multikey a Data Integrity proof names, from the issuer's controller document."""
    proofs = document.get('proof')
    proofs = proofs if isinstance(proofs, list) else [proofs]
    assert len(proofs) == 1, '{} proofs'.format(len(proofs))
    method = issuer_method(proofs[0]['verificationMethod'], issuer_id(document))
    return multikey_pem(method['publicKeyMultibase'])


def key_for_jwt(token):
    """The PEM of the JWKS key a VC-JWT header names. `kid` is either a bare JWKS kid or the URL of one of the
    issuer's verification methods (then mapped to its JWKS kid)."""
    header = jwt.get_unverified_header(token)
    assert header.get('alg') == 'EdDSA', 'alg {!r}'.format(header.get('alg'))
    kid = header.get('kid')
    assert isinstance(kid, str) and kid, 'no kid in the JOSE header {}'.format(header)
    if ':' in kid:
        issuer = b64url_json(token.split('.')[1]).get('iss')
        issuer_method(kid, issuer)
        kid = key_id(kid)
    keys = [k for k in jwks().get('keys', []) if k.get('kid') == kid]
    assert len(keys) == 1, 'JWKS has {} keys with kid {!r}'.format(len(keys), kid)
    assert keys[0].get('kty') == 'OKP' and keys[0].get('crv') == 'Ed25519', 'not an Ed25519 JWK: {}'.format(keys[0])
    return pem(jwt.PyJWK(keys[0]).key)


def token(url):
    return download(url + '.jwt').decode().strip()


def expect_rejected(fn, must_mention=None):
    try:
        fn()
    except OB3VerificationError as e:
        if must_mention:
            assert must_mention in str(e), 'rejected for another reason: {}'.format(e)
        return str(e)
    raise AssertionError('accepted')


def issuer_keys_agree():
    controller = issuer_document()
    assert controller.get('id') == issuer_id(credential()), 'issuer document id {!r}'.format(controller.get('id'))
    assert 'Profile' in controller.get('type', []), 'type {!r}'.format(controller.get('type'))
    by_kid = {k.get('kid'): k for k in jwks().get('keys', [])}
    methods = controller.get('verificationMethod', [])
    assert methods, 'no verificationMethod'
    for method in methods:
        kid = key_id(method['id'])
        assert kid in by_kid, 'JWKS has no key {}'.format(kid)
        assert multikey_pem(method['publicKeyMultibase']) == pem(jwt.PyJWK(by_kid[kid]).key), \
            'JWKS key {} differs from the Multikey'.format(kid)


def jwt_verifies():
    value = token(CREDENTIAL_URL)
    got = OB3Verifier(pubkey_pem=key_for_jwt(value)).verify(
        value, check_status=True, verify_status_list=False, download=download)
    assert got.id == CREDENTIAL_URL, 'credential id {}'.format(got.id)


def jwt_verifies_with_signed_status_list():
    value = token(CREDENTIAL_URL)
    OB3Verifier(pubkey_pem=key_for_jwt(value)).verify(
        value, check_status=True, verify_status_list=True, download=download_jwt_status_list)


def jwt_is_the_credential():
    payload = b64url_json(token(CREDENTIAL_URL).split('.')[1])
    body = {k: v for k, v in payload.items() if k not in ('iss', 'jti', 'nbf', 'exp', 'sub', 'iat')}
    document = {k: v for k, v in credential().items() if k != 'proof'}
    assert 'vc' not in payload, 'the credential is wrapped in a vc claim; OB 3.0 wants it as the payload'
    assert body == document, 'JWT payload and JSON credential differ in {}'.format(
        sorted(k for k in set(body) | set(document) if body.get(k) != document.get(k)))


def di_verifies():
    got = OB3LdpVerifier(pubkey_pem=key_for_proof(credential())).verify(
        json.dumps(credential()), check_status=True, verify_status_list=False, download=download)
    assert got.id == CREDENTIAL_URL, 'credential id {}'.format(got.id)


def status_list_di_proof_verifies():
    document = get_json(status_list_url())
    assert issuer_id(document) == issuer_id(credential()), 'status list issuer {!r}'.format(issuer_id(document))
    assert 'BitstringStatusListCredential' in document.get('type', []), 'type {!r}'.format(document.get('type'))
    verify_data_integrity_proof(document, key_for_proof(document))
    tampered = copy.deepcopy(document)
    bits = bytearray(decode_encoded_list(document['credentialSubject']['encodedList']))
    bits[0] ^= 0x80  # Flip the first index, as an attacker un-revoking or revoking a credential would.
    tampered['credentialSubject']['encodedList'] = 'u' + base64.urlsafe_b64encode(
        gzip.compress(bytes(bits))).rstrip(b'=').decode()
    expect_rejected(lambda: verify_data_integrity_proof(tampered, key_for_proof(document)))


def tampered_jwt_fails():
    header, payload, signature = token(CREDENTIAL_URL).split('.')
    claims = b64url_json(payload)
    claims['name'] = str(claims.get('name')) + ' (edited)'
    forged = '.'.join([header, b64url(claims), signature])
    reason = expect_rejected(lambda: OB3Verifier(pubkey_pem=key_for_jwt(forged)).verify(forged))
    assert 'signature' in reason.lower(), 'rejected for another reason: {}'.format(reason)


def tampered_di_fails():
    forged = copy.deepcopy(credential())
    forged['credentialSubject']['achievement']['name'] += ' (edited)'
    expect_rejected(lambda: OB3LdpVerifier(pubkey_pem=key_for_proof(forged)).verify(json.dumps(forged)),
                    'signature mismatch')


def revoked_jwt_fails():
    value = token(REVOKED_URL)
    verifier = OB3Verifier(pubkey_pem=key_for_jwt(value))
    verifier.verify(value)  # The signature is fine: only the status must make it fail.
    expect_rejected(lambda: verifier.verify(value, check_status=True, verify_status_list=False, download=download),
                    "status 'revocation' is set")
    expect_rejected(lambda: verifier.verify(value, check_status=True, verify_status_list=True,
                                            download=download_jwt_status_list), "status 'revocation' is set")


def revoked_di_fails():
    document = get_json(REVOKED_URL)
    verifier = OB3LdpVerifier(pubkey_pem=key_for_proof(document))
    verifier.verify(json.dumps(document))
    expect_rejected(lambda: verifier.verify(json.dumps(document), check_status=True, verify_status_list=False,
                                            download=download), "status 'revocation' is set")


def baked(extension):
    def run():
        image = download(CREDENTIAL_URL + extension)
        embedded = (OB3Verifier.extract_token_from_png(image) if extension == '.png'
                    else OB3Verifier.extract_token_from_svg(image))
        is_json = embedded.lstrip().startswith('{')
        key = key_for_proof(json.loads(embedded)) if is_json else key_for_jwt(embedded)
        result = verify_badge(image, '3', pubkey_pem=key, check_status=True, verify_status_list=False,
                              download=download)
        assert result.valid and result.trusted, result.reason
        assert result.credential.id == CREDENTIAL_URL, 'embedded credential is {}'.format(result.credential.id)
        print('    ({} carries the {})'.format(extension, 'Data Integrity JSON' if is_json else 'VC-JWT'))
    return run


check('issuer: controller document lists Multikeys that match the JWKS', issuer_keys_agree)
check('openbadgeslib: VC-JWT verifies, status bit clear', jwt_verifies)
check('openbadgeslib: VC-JWT verifies with the signed status list (status/1.jwt)', jwt_verifies_with_signed_status_list)
check('VC-JWT payload is the JSON credential plus iss/jti/nbf', jwt_is_the_credential)
check('openbadgeslib: Data Integrity credential verifies, status bit clear', di_verifies)
check("openbadgeslib: status list's own Data Integrity proof verifies, a flipped list does not",
      status_list_di_proof_verifies)
check('openbadgeslib: tampered VC-JWT fails', tampered_jwt_fails)
check('openbadgeslib: tampered Data Integrity credential fails', tampered_di_fails)
check('openbadgeslib: revoked VC-JWT fails on its status bit', revoked_jwt_fails)
check('openbadgeslib: revoked Data Integrity credential fails on its status bit', revoked_di_fails)
check('openbadgeslib: baked PNG (iTXt openbadgecredential) verifies', baked('.png'))
check('openbadgeslib: baked SVG (openbadges:credential) verifies', baked('.svg'))

print('ob3: {} passed, {} failed'.format(passed, failed))
sys.exit(1 if failed else 0)
