"""`amino keys ...`: create, recover, list, show, export/import and delete keys; mistakes are one line."""

from __future__ import annotations

import json


def test_keys_add_shows_the_mnemonic_once_and_recover_gives_the_same_key(harness):
    created = harness.invoke("-o", "json", "keys", "add", "dave")
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    assert data["name"] == "dave" and data["address"].startswith("amio1") and len(data["mnemonic"].split()) == 24
    recovered = harness.invoke("-o", "json", "keys", "add", "dave2", "--recover", input=data["mnemonic"] + "\n")
    assert recovered.exit_code == 0, recovered.output
    assert json.loads(recovered.stdout)["address"] == data["address"] and "mnemonic" not in json.loads(recovered.stdout)


def test_keys_list_and_show(harness):
    listed = json.loads(harness.invoke("-o", "json", "keys", "list").stdout)
    assert [key["name"] for key in listed] == ["alice", "bob", "carol"]
    assert harness.invoke("keys", "show", "bob", "-a").stdout.strip() == harness.addresses["bob"]
    assert json.loads(harness.invoke("-o", "json", "keys", "show", "bob").stdout)["address"] == harness.addresses["bob"]


def test_keys_export_then_import_under_another_name(harness, tmp_path):
    exported = harness.invoke("keys", "export", "alice", input="pass phrase 1\npass phrase 1\n")
    assert exported.exit_code == 0, exported.output
    armored = exported.stdout[exported.stdout.index("-----BEGIN"):]
    (tmp_path / "alice.key").write_text(armored)
    imported = harness.invoke("-o", "json", "keys", "import", "alice2", str(tmp_path / "alice.key"), input="pass phrase 1\n")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout[imported.stdout.index("{"):])["address"] == harness.addresses["alice"]


def test_keys_delete_asks_unless_yes(harness):
    declined = harness.invoke("keys", "delete", "carol", input="n\n")
    assert declined.exit_code == 1 and harness.invoke("keys", "show", "carol", "-a").exit_code == 0
    deleted = harness.invoke("keys", "delete", "carol", "--yes")
    assert deleted.exit_code == 0 and "deleted key 'carol'" in deleted.stdout
    missing = harness.invoke("keys", "show", "carol")
    assert missing.exit_code == 1 and "carol" in missing.output and "Traceback" not in missing.output
