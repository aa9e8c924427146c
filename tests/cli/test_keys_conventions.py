"""Keyring conventions: a passphrase from AMINO_KEYRING_PASSPHRASE or --keyring-passphrase-file, keys add asks
twice, a duplicate name is refused before any prompt, piped passphrases without terminal warnings; keys rename,
keys mnemonic, keys show --pubkey; the os backend (the system keychain through the keyring package)."""

from __future__ import annotations

import base64
import json

import keyring as system_keyring
import pytest
from click.testing import CliRunner
from keyring.backend import KeyringBackend

from cli.main import cli
from client.wallet.keyring import open_keyring

PASSPHRASE = "correct horse battery"


def run(home, *args, input=None, env=None):
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input, env=env or {})


def test_keys_add_asks_the_new_passphrase_twice_and_refuses_two_that_differ(tmp_path):
    differ = run(tmp_path, "keys", "add", "dave", input=f"{PASSPHRASE}\nsomething else\n")
    assert differ.exit_code == 1 and "the two entries differ, nothing was done" in differ.output
    assert open_keyring(tmp_path, "test").list() == [] and not (tmp_path / "keyring-file" / "dave.json").exists()
    added = run(tmp_path, "-o", "json", "keys", "add", "dave", input=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert added.exit_code == 0, added.output
    assert "Warning" not in added.output and "Traceback" not in added.output
    assert (tmp_path / "keyring-file" / "dave.json").exists()


def test_a_duplicate_key_name_is_refused_before_any_prompt(tmp_path):
    assert run(tmp_path, "keys", "add", "dave", input=f"{PASSPHRASE}\n{PASSPHRASE}\n").exit_code == 0
    again = run(tmp_path, "keys", "add", "dave", "--recover", input="")
    assert again.exit_code == 1 and "key 'dave' already exists" in again.output
    assert "mnemonic" not in again.output.lower() and "passphrase" not in again.output.lower()


def test_the_passphrase_comes_from_the_environment_or_a_file(tmp_path):
    env = {"AMINO_KEYRING_PASSPHRASE": PASSPHRASE}
    assert run(tmp_path, "keys", "add", "dave", env=env).exit_code == 0
    (tmp_path / "pass.txt").write_text(PASSPHRASE + "\n")
    exported = run(tmp_path, "keys", "export", "dave", "--keyring-passphrase-file", str(tmp_path / "pass.txt"),
                   input="export phrase 1\nexport phrase 1\n")
    assert exported.exit_code == 0, exported.output
    assert "-----BEGIN" in exported.stdout
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    refused = run(tmp_path, "--keyring-passphrase-file", str(wrong), "keys", "export", "dave",
                  input="export phrase 1\nexport phrase 1\n")
    assert refused.exit_code == 1 and "wrong passphrase for key 'dave'" in refused.output
    missing = run(tmp_path, "keys", "export", "dave", "--keyring-passphrase-file", str(tmp_path / "nope"),
                  input="export phrase 1\nexport phrase 1\n")
    assert missing.exit_code == 1 and "cannot read the keyring passphrase" in missing.output


def test_no_passphrase_on_piped_input_is_one_line(tmp_path):
    assert run(tmp_path, "keys", "add", "dave", env={"AMINO_KEYRING_PASSPHRASE": PASSPHRASE}).exit_code == 0
    result = run(tmp_path, "keys", "export", "dave", input="export phrase 1\nexport phrase 1\n")
    assert result.exit_code == 1 and "AMINO_KEYRING_PASSPHRASE" in result.output and "Traceback" not in result.output


def test_keys_rename_keeps_the_key_and_refuses_an_existing_name(harness):
    alice = harness.addresses["alice"]
    taken = harness.invoke("keys", "rename", "alice", "bob", "--yes")
    assert taken.exit_code == 1 and "key 'bob' already exists" in taken.output
    renamed = harness.invoke("-o", "json", "keys", "rename", "alice", "alicia", "--yes")
    assert renamed.exit_code == 0, renamed.output
    assert json.loads(renamed.stdout)["address"] == alice
    keyring = open_keyring(harness.home, "test")
    assert not keyring.exists("alice") and keyring.show("alicia").address == alice
    declined = harness.invoke("keys", "rename", "alicia", "al", input="n\n")
    assert declined.exit_code == 1 and keyring.exists("alicia")


def test_keys_mnemonic_prints_24_fresh_words_and_stores_nothing(harness):
    first, second = (harness.invoke("keys", "mnemonic").stdout.split() for _ in range(2))
    assert len(first) == 24 and first != second
    assert [info.name for info in open_keyring(harness.home, "test").list()] == ["alice", "bob", "carol"]
    recovered = harness.invoke("-o", "json", "keys", "add", "dave", "--recover", input=" ".join(first) + "\n")
    assert recovered.exit_code == 0, recovered.output


def test_keys_show_pubkey(harness):
    pubkey = open_keyring(harness.home, "test").show("bob").pubkey
    assert harness.invoke("keys", "show", "bob", "--pubkey").stdout.strip() == base64.b64encode(pubkey).decode()
    shown = json.loads(harness.invoke("-o", "json", "keys", "show", "bob", "-p").stdout)
    assert shown == {"type": "ed25519", "key": base64.b64encode(pubkey).decode()}
    assert harness.invoke("keys", "show", "bob", "-a", "-p").exit_code == 2


class MemoryKeychain(KeyringBackend):
    """A system keychain in memory, as the keyring package's backends behave."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.entries:
            raise PasswordDeleteError(username)
        del self.entries[(service, username)]


@pytest.fixture
def keychain():
    previous = system_keyring.get_keyring()
    memory = MemoryKeychain()
    system_keyring.set_keyring(memory)
    yield memory
    system_keyring.set_keyring(previous)


def test_the_os_backend_keeps_the_seed_in_the_system_keychain_only(tmp_path, keychain):
    added = run(tmp_path, "--keyring-backend", "os", "-o", "json", "keys", "add", "dave")
    assert added.exit_code == 0, added.output
    record = json.loads((tmp_path / "keyring-os" / "dave.json").read_text())
    assert "seed" not in record and "crypto" not in record
    [(service, name)] = keychain.entries
    assert name == "dave" and service.startswith("amino:")
    mnemonic = json.loads(added.stdout)["mnemonic"]
    signer = open_keyring(tmp_path, "os").signing_key("dave")
    assert bytes(signer.verify_key).hex() == json.loads(added.stdout)["pubkey"]

    assert run(tmp_path, "--keyring-backend", "os", "keys", "rename", "dave", "eve", "--yes").exit_code == 0
    assert [entry[1] for entry in keychain.entries] == ["eve"]
    assert run(tmp_path, "--keyring-backend", "os", "keys", "delete", "eve", "--yes").exit_code == 0
    assert keychain.entries == {} and not (tmp_path / "keyring-os" / "eve.json").exists()
    assert mnemonic


def test_the_os_backend_without_a_system_keychain_is_one_line(tmp_path):
    from keyring.backends import fail

    previous = system_keyring.get_keyring()
    system_keyring.set_keyring(fail.Keyring())
    try:
        result = run(tmp_path, "--keyring-backend", "os", "keys", "add", "dave")
    finally:
        system_keyring.set_keyring(previous)
    assert result.exit_code == 1 and "no system keychain" in result.output and "--keyring-backend file" in result.output
    assert not (tmp_path / "keyring-os" / "dave.json").exists()


def test_secrets_piped_into_a_real_process_give_no_getpass_warning(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "AMINO_HOME": str(tmp_path)}

    def amino(*args: str, stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "cli.main", *args], input=stdin, capture_output=True, text=True,
                              env=env, cwd=root, timeout=120)

    added = amino("keys", "add", "dave", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert added.returncode == 0, added.stderr
    exported = amino("keys", "export", "dave", stdin=f"export phrase 1\nexport phrase 1\n{PASSPHRASE}\n")
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "dave.key").write_text(exported.stdout)
    imported = amino("keys", "import", "dave2", str(tmp_path / "dave.key"), stdin=f"export phrase 1\n{PASSPHRASE}\n{PASSPHRASE}\n")
    assert imported.returncode == 0, imported.stderr
    for done in (added, exported, imported):
        assert "GetPassWarning" not in done.stderr and "may be echoed" not in done.stderr and "Traceback" not in done.stderr
