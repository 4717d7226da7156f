"""The signed content's hash: canonical JSON, so equal documents hash alike."""

from __future__ import annotations

import hashlib

from medrec_app.domain.signature import amendment_hash, canonical_json, signature_hash


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_unicode():
    value = {"b": [1, 2.5, True, None], "a": {"z": "é", "y": "line\nbreak"}}
    assert canonical_json(value) == (
        '{"a":{"y":"line\\nbreak","z":"é"},"b":[1,2.5,true,null]}'.encode()
    )


def test_the_hash_is_of_both_documents_and_ignores_key_order():
    drawing = {"lines": [{"id": "l1", "points": [0, 0, 10, 10]}], "shapes": []}
    form = {"chief_complaint": "Knee", "vital_signs": {"bp": "120/80"}}
    shuffled = {"vital_signs": {"bp": "120/80"}, "chief_complaint": "Knee"}
    signed = canonical_json({"drawing_data": drawing, "form_data": form})
    assert signature_hash(drawing, form) == hashlib.sha256(signed).hexdigest()
    assert signature_hash(drawing, shuffled) == signature_hash(drawing, form)
    assert signature_hash(drawing, {**form, "notes": "x"}) != signature_hash(drawing, form)
    assert signature_hash({}, form) != signature_hash(drawing, form)


def test_an_amendments_hash_names_the_record_signature_it_amends():
    first = amendment_hash("a" * 64, "Typo", "Pulse was 88.")
    signed = canonical_json({"record": "a" * 64, "reason": "Typo", "text": "Pulse was 88."})
    assert first == hashlib.sha256(signed).hexdigest()
    assert amendment_hash("b" * 64, "Typo", "Pulse was 88.") != first
