"""Checks the hub's Open Badges 2.0 hosted assertions with 1EdTech's validator (PyPI openbadges 1.1.2).

Run it with the Python 3.7 venv of requirements-ob2.txt. It reads:
  OB2_ASSERTION_URL          a valid hosted assertion (its .png and .svg must be baked)
  OB2_REVOKED_ASSERTION_URL  a revoked one
  OB2_ISSUER_URL             the issuer profile both name
  OB2_RECIPIENT_EMAIL        optional: the valid assertion's recipient, to check the hashed identity too
Prints `ok  <check>` or `FAIL <check>: why` per check, then `ob2: N passed, M failed`; exits 1 on any failure.
"""

import hashlib
import io
import json
import logging
import os
import sys
import traceback

import requests
from openbadges import verify
from openbadges.verifier import utils as verifier_utils
from openbadges.verifier.openbadges_context import OPENBADGES_CONTEXT_V2_DICT, OPENBADGES_CONTEXT_V2_URI
from openbadges_bakery import unbake

ASSERTION_URL = os.environ['OB2_ASSERTION_URL']
REVOKED_URL = os.environ['OB2_REVOKED_ASSERTION_URL']
ISSUER_URL = os.environ['OB2_ISSUER_URL']
RECIPIENT_EMAIL = os.environ.get('OB2_RECIPIENT_EMAIL')

# The validator would fetch its own v2 context from w3id.org, which is out of reach here: give it the copy it ships.
# _get_options() always builds a fresh CachableDocumentLoader, so the class itself is patched.
_load = verifier_utils.CachableDocumentLoader.__call__


def _load_with_shipped_context(self, url):
    if url == OPENBADGES_CONTEXT_V2_URI:
        return {'contextUrl': None, 'documentUrl': url, 'document': json.dumps(OPENBADGES_CONTEXT_V2_DICT)}
    return _load(self, url)


verifier_utils.CachableDocumentLoader.__call__ = _load_with_shipped_context
# The validator logs a traceback for every failed task; its report already says what failed.
logging.getLogger('openbadges.verifier').setLevel(logging.CRITICAL)

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


def run_validator(badge_input, **kwargs):
    return verify(badge_input, use_cache=False, **kwargs)


def errors(result):
    texts = [' '.join(m.get('result', '').split())[:300] for m in result['report']['messages']
             if m.get('messageLevel') == 'ERROR']
    return '; '.join(texts) or 'no error message'


def assert_valid(result):
    report = result['report']
    assert report['valid'] and report['errorCount'] == 0, errors(result)
    assert report.get('validationSubject') == ASSERTION_URL, \
        'validated {} instead of the assertion'.format(report.get('validationSubject'))


def node(result, node_type):
    nodes = [n for n in result['graph'] if n.get('type') == node_type]
    assert len(nodes) == 1, 'graph has {} {} nodes'.format(len(nodes), node_type)
    return nodes[0]


def get_json(url):
    res = requests.get(url, headers={'Accept': 'application/ld+json, application/json'}, timeout=30)
    assert res.status_code == 200, 'GET {}: HTTP {}'.format(url, res.status_code)
    return res.json()


def get_bytes(url):
    res = requests.get(url, timeout=30)
    assert res.status_code == 200, 'GET {}: HTTP {}'.format(url, res.status_code)
    return res.content


def entry_id(entry):
    return entry if isinstance(entry, str) else entry.get('id')


def identity_hash(email, salt):
    return 'sha256$' + hashlib.sha256((email + (salt or '')).encode()).hexdigest()


hosted = {}


def hosted_assertion_is_valid():
    result = run_validator(ASSERTION_URL)
    assert_valid(result)
    assertion = node(result, 'Assertion')
    badge = node(result, 'BadgeClass')
    issuer = node(result, 'Issuer')
    assert assertion['badge'] == badge['id'] and badge['issuer'] == issuer['id'], 'graph does not link up'
    assert issuer['id'] == ISSUER_URL, 'issuer is {}, expected {}'.format(issuer['id'], ISSUER_URL)
    assert assertion['verification'].get('type') in ('HostedBadge', 'hosted'), 'not a hosted assertion'
    warnings = result['report']['warningCount']
    assert warnings == 0, '{} warnings: {}'.format(warnings, result['report']['messages'])
    hosted.update(get_json(ASSERTION_URL))


def recipient_matches():
    result = run_validator(ASSERTION_URL, recipient_profile={'email': RECIPIENT_EMAIL})
    assert_valid(result)
    assert result['report'].get('recipientProfile') == {'email': RECIPIENT_EMAIL}, 'recipient not confirmed'


def baked_png_file_is_valid():
    png = get_bytes(ASSERTION_URL + '.png')
    baked = unbake(io.BytesIO(png))
    assert baked, 'no openbadges iTXt chunk that openbadges-bakery can read'
    baked = baked.decode() if isinstance(baked, bytes) else baked
    baked_id = baked if not baked.lstrip().startswith('{') else json.loads(baked).get('id')
    assert baked_id == ASSERTION_URL, 'the PNG carries {}'.format(baked[:120])
    image = io.BytesIO(png)
    image.name = 'assertion.png'
    assert_valid(run_validator(image))


def baked_png_url_is_valid():
    assert_valid(run_validator(ASSERTION_URL + '.png'))


def baked_svg_is_valid():
    baked = unbake(io.BytesIO(get_bytes(ASSERTION_URL + '.svg')))
    assert baked, 'no openbadges:assertion element'
    # openbadges-bakery 1.2.4 returns the `verify` attribute as bytes, which openbadges 1.1.2 cannot take as input.
    baked = baked.decode() if isinstance(baked, bytes) else baked
    baked_id = baked if not baked.lstrip().startswith('{') else json.loads(baked).get('id')
    assert baked_id == ASSERTION_URL, 'the SVG carries {}'.format(baked[:120])
    assert_valid(run_validator(baked))


def tampered_recipient_is_not_believed():
    salt = hosted['recipient'].get('salt')
    tampered = json.loads(json.dumps(hosted))
    tampered['recipient']['identity'] = identity_hash('mallory@example.org', salt)
    result = run_validator(json.dumps(tampered), recipient_profile={'email': 'mallory@example.org'})
    assert not result['report']['valid'], 'a copy naming another recipient validated'
    result = run_validator(json.dumps(tampered))
    assert result['report']['valid'], errors(result)
    identity = node(result, 'Assertion')['recipient']['identity']
    assert identity == hosted['recipient']['identity'], 'the validator believed the copy, not the hosted assertion'


def tampered_id_fails():
    tampered = dict(hosted, id=ASSERTION_URL + '-forged')
    result = run_validator(json.dumps(tampered))
    assert not result['report']['valid'], 'an assertion id the hub does not host validated'


def revoked_is_gone():
    res = requests.get(REVOKED_URL, headers={'Accept': 'application/ld+json, application/json'}, timeout=30)
    assert res.status_code == 410, 'HTTP {}, expected 410'.format(res.status_code)
    body = res.json()
    assert body.get('revoked') is True, 'body has revoked={!r}'.format(body.get('revoked'))
    assert body.get('id') == REVOKED_URL, 'body id is {!r}'.format(body.get('id'))
    assert isinstance(body.get('revocationReason'), str) and body['revocationReason'], 'no revocationReason'


revocations = {}


def revocation_list_is_well_formed():
    issuer = get_json(ISSUER_URL)
    assert issuer.get('id') == ISSUER_URL and issuer.get('type') in ('Issuer', 'Profile'), 'not this issuer profile'
    url = issuer.get('revocationList')
    assert isinstance(url, str) and url, 'issuer has no revocationList'
    listing = get_json(url)
    assert listing.get('type') == 'RevocationList', 'type is {!r}'.format(listing.get('type'))
    assert listing.get('id') == url, 'id is {!r}, served at {}'.format(listing.get('id'), url)
    assert listing.get('issuer') == ISSUER_URL, 'issuer is {!r}'.format(listing.get('issuer'))
    entries = listing.get('revokedAssertions')
    assert isinstance(entries, list), 'revokedAssertions is not a list'
    revocations.update({entry_id(e): e for e in entries})


def revoked_is_listed():
    entry = revocations.get(REVOKED_URL)
    assert entry is not None, 'not in the revocation list'
    if isinstance(entry, dict):
        assert entry.get('revocationReason'), 'entry has no revocationReason'


def valid_is_not_listed():
    assert ASSERTION_URL not in revocations, 'the valid assertion is in the revocation list'


check('validator: hosted assertion is valid (Assertion, BadgeClass, Issuer, no warnings)', hosted_assertion_is_valid)
if RECIPIENT_EMAIL:
    check('validator: recipient identity hash matches OB2_RECIPIENT_EMAIL', recipient_matches)
check('validator: baked PNG (file input, iTXt openbadges)', baked_png_file_is_valid)
check('validator: baked PNG (URL input)', baked_png_url_is_valid)
check('validator: baked SVG (unbaked with openbadges-bakery)', baked_svg_is_valid)
if hosted:
    check('tampered copy naming another recipient is not believed', tampered_recipient_is_not_believed)
    check('tampered copy with an id the hub does not host fails', tampered_id_fails)
check('revoked assertion: HTTP 410 with revoked true, its id and a reason', revoked_is_gone)
check('revocation list: linked from the issuer, well formed', revocation_list_is_well_formed)
if revocations or passed:
    check('revocation list names the revoked assertion', revoked_is_listed)
    check('revocation list does not name the valid assertion', valid_is_not_listed)

print('ob2: {} passed, {} failed'.format(passed, failed))
sys.exit(1 if failed else 0)
