"""Tests for key derivation (BIP39 + SLIP-0010 ed25519) and the local keyring backends."""

from __future__ import annotations

import base64
import dataclasses
import json
import stat
from collections.abc import Callable
from pathlib import Path

import nacl.exceptions
import nacl.signing
import pytest
from mnemonic import Mnemonic

from chain_modules.common.address import address_from_pubkey, decode_address
from client.wallet.keyring import (
    ARMOR_BEGIN,
    ARMOR_END,
    FileKeyring,
    KeyInfo,
    Keyring,
    KeyringError,
    TestKeyring,
    open_keyring,
)
from client.wallet.keys import (
    DEFAULT_HD_PATH,
    HARDENED_OFFSET,
    derive_signing_key,
    generate_mnemonic,
    hd_path,
    seed_from_mnemonic,
    slip10_derive,
    validate_mnemonic,
)

MNEMONIC = " ".join(["abandon"] * 23 + ["art"])
OTHER_MNEMONIC = (  # BIP39 vector for entropy 7f * 32
    "legal winner thank year wave sausage worth useful legal winner thank year "
    "wave sausage worth useful legal winner thank year wave sausage worth title"
)
PASSPHRASE = "correct horse battery staple"
EXPORT_PASSPHRASE = "export passphrase 123"


def fixed_passphrase(value: str = PASSPHRASE) -> Callable[[str], str]:
    return lambda _prompt: value


def no_passphrase_expected(prompt: str) -> str:
    raise AssertionError(f"unexpected passphrase prompt: {prompt!r}")


@pytest.fixture(params=["test", "file"])
def keyring(request: pytest.FixtureRequest, tmp_path: Path) -> Keyring:
    return open_keyring(tmp_path, request.param, fixed_passphrase())


# --------------------------------------------------------------------------- SLIP-0010 vectors

H = HARDENED_OFFSET

# (path indices, chain code, private key, public key with SLIP-0010's 0x00 prefix)
SLIP10_VECTOR_1 = (
    "000102030405060708090a0b0c0d0e0f",
    [
        (
            [],
            "90046a93de5380a72b5e45010748567d5ea02bbf6522f979e05c0d8d8ca9fffb",
            "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7",
            "00a4b2856bfec510abab89753fac1ac0e1112364e7d250545963f135f2a33188ed",
        ),
        (
            [0],
            "8b59aa11380b624e81507a27fedda59fea6d0b779a778918a2fd3590e16e9c69",
            "68e0fe46dfb67e368c75379acec591dad19df3cde26e63b93a8e704f1dade7a3",
            "008c8a13df77a28f3445213a0f432fde644acaa215fc72dcdf300d5efaa85d350c",
        ),
        (
            [0, 1],
            "a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14",
            "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2",
            "001932a5270f335bed617d5b935c80aedb1a35bd9fc1e31acafd5372c30f5c1187",
        ),
        (
            [0, 1, 2],
            "2e69929e00b5ab250f49c3fb1c12f252de4fed2c1db88387094a0f8c4c9ccd6c",
            "92a5b23c0b8a99e37d07df3fb9966917f5d06e02ddbd909c7e184371463e9fc9",
            "00ae98736566d30ed0e9d2f4486a64bc95740d89c7db33f52121f8ea8f76ff0fc1",
        ),
        (
            [0, 1, 2, 2],
            "8f6d87f93d750e0efccda017d662a1b31a266e4a6f5993b15f5c1f07f74dd5cc",
            "30d1dc7e5fc04c31219ab25a27ae00b50f6fd66622f6e9c913253d6511d1e662",
            "008abae2d66361c879b900d204ad2cc4984fa2aa344dd7ddc46007329ac76c429c",
        ),
        (
            [0, 1, 2, 2, 1000000000],
            "68789923a0cac2cd5a29172a475fe9e0fb14cd6adb5ad98a3fa70333e7afa230",
            "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793",
            "003c24da049451555d51a7014a37337aa4e12d41e485abccfa46b47dfb2af54b7a",
        ),
    ],
)

SLIP10_VECTOR_2 = (
    "fffcf9f6f3f0edeae7e4e1dedbd8d5d2cfccc9c6c3c0bdbab7b4b1aeaba8a5a2"
    "9f9c999693908d8a8784817e7b7875726f6c696663605d5a5754514e4b484542",
    [
        (
            [],
            "ef70a74db9c3a5af931b5fe73ed8e1a53464133654fd55e7a66f8570b8e33c3b",
            "171cb88b1b3c1db25add599712e36245d75bc65a1a5c9e18d76f9f2b1eab4012",
            "008fe9693f8fa62a4305a140b9764c5ee01e455963744fe18204b4fb948249308a",
        ),
        (
            [0],
            "0b78a3226f915c082bf118f83618a618ab6dec793752624cbeb622acb562862d",
            "1559eb2bbec5790b0c65d8693e4d0875b1747f4970ae8b650486ed7470845635",
            "0086fab68dcb57aa196c77c5f264f215a112c22a912c10d123b0d03c3c28ef1037",
        ),
        (
            [0, 2147483647],
            "138f0b2551bcafeca6ff2aa88ba8ed0ed8de070841f0c4ef0165df8181eaad7f",
            "ea4f5bfe8694d8bb74b7b59404632fd5968b774ed545e810de9c32a4fb4192f4",
            "005ba3b9ac6e90e83effcd25ac4e58a1365a9e35a3d3ae5eb07b9e4d90bcf7506d",
        ),
        (
            [0, 2147483647, 1],
            "73bd9fff1cfbde33a1b846c27085f711c0fe2d66fd32e139d3ebc28e5a4a6b90",
            "3757c7577170179c7868353ada796c839135b3d30554bbb74a4b1e4a5a58505c",
            "002e66aa57069c86cc18249aecf5cb5a9cebbfd6fadeab056254763874a9352b45",
        ),
        (
            [0, 2147483647, 1, 2147483646],
            "0902fe8a29f9140480a00ef244bd183e8a13288e4412d8389d140aac1794825a",
            "5837736c89570de861ebc173b1086da4f505d4adb387c6a1b1342d5e4ac9ec72",
            "00e33c0f7d81d843c572275f287498e8d408654fdf0d1e065b84e2e6f157aab09b",
        ),
        (
            [0, 2147483647, 1, 2147483646, 2],
            "5d70af781f3a37b829f0d060924d5e960bdc02e85423494afc0b1a41bbe196d4",
            "551d333177df541ad876a60ea71f00447931c0a9da16f227c11ea080d7391b8d",
            "0047150c75db263559a70d5778bf36abbab30fb061ad69f69ece61a72b0cfa4fc0",
        ),
    ],
)


def _vector_cases(vector: tuple[str, list[tuple[list[int], str, str, str]]], label: str) -> list:
    seed, chains = vector
    return [
        pytest.param(seed, path, chain, priv, pub, id=f"{label}-m" + "".join(f"/{i}'" for i in path))
        for path, chain, priv, pub in chains
    ]


@pytest.mark.parametrize(
    ("seed_hex", "path", "chain_code", "private_key", "public_key"),
    _vector_cases(SLIP10_VECTOR_1, "vector1") + _vector_cases(SLIP10_VECTOR_2, "vector2"),
)
def test_slip10_ed25519_matches_official_test_vectors(
    seed_hex: str, path: list[int], chain_code: str, private_key: str, public_key: str
) -> None:
    seed = bytes.fromhex(seed_hex)
    key, chain = slip10_derive(seed, [i + H for i in path])
    assert chain.hex() == chain_code
    assert key.hex() == private_key
    assert "00" + bytes(nacl.signing.SigningKey(key).verify_key).hex() == public_key
    # The string form of the path derives the same node.
    assert slip10_derive(seed, "m" + "".join(f"/{i}'" for i in path)) == (key, chain)


@pytest.mark.parametrize("path", ["m/0", "m/44'/9009'/0'/0/0", "44'/0'", "m/x'", "m/2147483648'"])
def test_slip10_rejects_non_hardened_or_malformed_paths(path: str) -> None:
    with pytest.raises(KeyringError):
        slip10_derive(bytes(16), path)


def test_slip10_rejects_non_hardened_numeric_index() -> None:
    with pytest.raises(KeyringError, match="hardened"):
        slip10_derive(bytes(16), [5])


# --------------------------------------------------------------------------- mnemonics and derivation


def test_generated_mnemonic_has_24_valid_words() -> None:
    words = generate_mnemonic()
    assert len(words.split()) == 24
    validate_mnemonic(words)  # does not raise
    assert Mnemonic("english").check(words)


def test_generated_mnemonics_are_random() -> None:
    assert generate_mnemonic() != generate_mnemonic()


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (" ".join(["abandon"] * 23), "23 words"),
        ("", "0 words"),
        (" ".join(["abandon"] * 23 + ["notaword"]), "word 24 is not in the BIP39 English word list"),
        (" ".join(["abandon"] * 24), "checksum"),
    ],
)
def test_invalid_mnemonics_are_rejected_with_a_clear_message(words: str, message: str) -> None:
    with pytest.raises(KeyringError, match=message):
        validate_mnemonic(words)
    with pytest.raises(KeyringError, match=message):
        derive_signing_key(words)


def test_invalid_mnemonic_message_does_not_echo_the_words() -> None:
    words = " ".join(["zebra"] * 11 + ["secretword"] * 13)
    with pytest.raises(KeyringError) as excinfo:
        validate_mnemonic(words)
    assert "secretword" not in str(excinfo.value)
    assert "zebra" not in str(excinfo.value)


def test_mnemonic_whitespace_and_case_do_not_matter() -> None:
    messy = "  " + MNEMONIC.upper().replace(" ", " \n\t ") + "\n"
    assert bytes(derive_signing_key(messy)) == bytes(derive_signing_key(MNEMONIC))


def test_bip39_seed_matches_official_trezor_vector() -> None:
    words = " ".join(["abandon"] * 11 + ["about"])
    assert seed_from_mnemonic(words, "TREZOR").hex() == (
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e5349553"
        "1f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"
    )


def test_default_key_is_slip10_node_at_default_hd_path() -> None:
    assert DEFAULT_HD_PATH == "m/44'/9009'/0'/0'/0'"
    expected, _chain = slip10_derive(Mnemonic.to_seed(MNEMONIC, ""), DEFAULT_HD_PATH)
    assert bytes(derive_signing_key(MNEMONIC)) == expected


def test_derivation_of_known_mnemonic_is_stable() -> None:
    # Regression pin: changing this address would strand every existing account.
    key = derive_signing_key(MNEMONIC)
    assert bytes(key.verify_key).hex() == "46ee99983953b61a04192d1eb7f496f75b6c4a3568490f315a16fd86e3d4dc56"
    assert address_from_pubkey(bytes(key.verify_key)) == "amio1murm4cv2cl2enkflp9jq3t93pndl4nd236kn8s"


def test_account_and_index_select_distinct_keys_on_the_amino_path() -> None:
    assert hd_path(1, 2) == "m/44'/9009'/1'/0'/2'"
    seed = Mnemonic.to_seed(MNEMONIC, "")
    assert bytes(derive_signing_key(MNEMONIC, account=1, index=2)) == slip10_derive(seed, hd_path(1, 2))[0]
    keys = {bytes(derive_signing_key(MNEMONIC, account=a, index=i)) for a in (0, 1) for i in (0, 1)}
    assert len(keys) == 4


@pytest.mark.parametrize(("account", "index"), [(-1, 0), (0, -1), (HARDENED_OFFSET, 0), (0, HARDENED_OFFSET)])
def test_out_of_range_account_or_index_is_rejected(account: int, index: int) -> None:
    with pytest.raises(KeyringError):
        derive_signing_key(MNEMONIC, account=account, index=index)


def test_bip39_passphrase_changes_the_derived_key() -> None:
    assert bytes(derive_signing_key(MNEMONIC, "extra")) != bytes(derive_signing_key(MNEMONIC))


def test_signature_from_derived_key_verifies_with_nacl() -> None:
    key = derive_signing_key(MNEMONIC)
    message = b"amino transfer 100uamino"
    signed = key.sign(message)
    verify_key = nacl.signing.VerifyKey(bytes(key.verify_key))
    assert verify_key.verify(message, signed.signature) == message
    with pytest.raises(nacl.exceptions.BadSignatureError):
        verify_key.verify(b"amino transfer 999uamino", signed.signature)


# --------------------------------------------------------------------------- keyring: common behaviour


def test_add_without_mnemonic_returns_a_new_mnemonic_that_recovers_the_key(keyring: Keyring) -> None:
    info, words = keyring.add("alice")
    assert len(words.split()) == 24
    assert bytes(derive_signing_key(words).verify_key) == info.pubkey
    assert bytes(keyring.signing_key("alice").verify_key) == info.pubkey


def test_same_mnemonic_recovers_same_address(tmp_path: Path) -> None:
    first = open_keyring(tmp_path / "one", "file", fixed_passphrase())
    info, words = first.add("alice")
    second = open_keyring(tmp_path / "two", "test")
    recovered, returned = second.add("restored", mnemonic=words)
    assert recovered.address == info.address
    assert recovered.pubkey == info.pubkey
    assert returned == words
    assert bytes(second.signing_key("restored")) == bytes(first.signing_key("alice"))


def test_add_from_mnemonic_stores_the_derived_key(keyring: Keyring) -> None:
    info, words = keyring.add("bob", mnemonic=MNEMONIC, account=3, index=7)
    expected = derive_signing_key(MNEMONIC, account=3, index=7)
    assert words == MNEMONIC
    assert info.pubkey == bytes(expected.verify_key)
    assert bytes(keyring.signing_key("bob")) == bytes(expected)


def test_address_is_amio_bech32_of_the_public_key(keyring: Keyring) -> None:
    info, _ = keyring.add("alice", mnemonic=MNEMONIC)
    assert info.address.startswith("amio1")
    assert info.address == address_from_pubkey(info.pubkey)
    assert len(decode_address(info.address)) == 20


def test_key_info_records_backend_and_iso_creation_time(keyring: Keyring) -> None:
    from datetime import datetime

    info, _ = keyring.add("alice", mnemonic=MNEMONIC)
    assert info.backend == keyring.backend
    assert info.name == "alice"
    assert datetime.fromisoformat(info.created).tzinfo is not None
    assert keyring.show("alice") == info


def test_key_info_is_immutable(keyring: Keyring) -> None:
    info, _ = keyring.add("alice", mnemonic=MNEMONIC)
    assert isinstance(info, KeyInfo)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.name = "mallory"  # type: ignore[misc]


def test_list_returns_keys_sorted_by_name(keyring: Keyring) -> None:
    assert keyring.list() == []
    for name in ("carol", "alice", "bob"):
        keyring.add(name)
    listed = keyring.list()
    assert [info.name for info in listed] == ["alice", "bob", "carol"]
    assert listed == [keyring.show(name) for name in ("alice", "bob", "carol")]


def test_adding_existing_name_without_overwrite_fails_and_keeps_old_key(keyring: Keyring) -> None:
    original, _ = keyring.add("alice", mnemonic=MNEMONIC)
    with pytest.raises(KeyringError, match="key 'alice' already exists"):
        keyring.add("alice", mnemonic=OTHER_MNEMONIC)
    assert keyring.show("alice").pubkey == original.pubkey


def test_adding_existing_name_with_overwrite_replaces_the_key(keyring: Keyring) -> None:
    keyring.add("alice", mnemonic=MNEMONIC)
    replaced, _ = keyring.add("alice", mnemonic=OTHER_MNEMONIC, overwrite=True)
    assert replaced.pubkey == bytes(derive_signing_key(OTHER_MNEMONIC).verify_key)
    assert keyring.show("alice").pubkey == replaced.pubkey
    assert [info.name for info in keyring.list()] == ["alice"]


@pytest.mark.parametrize("operation", ["show", "signing_key", "delete"])
def test_unknown_name_raises_not_found(keyring: Keyring, operation: str) -> None:
    with pytest.raises(KeyringError, match="key 'ghost' not found"):
        getattr(keyring, operation)("ghost")


def test_unknown_name_cannot_be_exported(keyring: Keyring) -> None:
    with pytest.raises(KeyringError, match="key 'ghost' not found"):
        keyring.export("ghost", EXPORT_PASSPHRASE)


def test_delete_removes_the_key(keyring: Keyring) -> None:
    keyring.add("alice")
    keyring.add("bob")
    keyring.delete("alice")
    assert [info.name for info in keyring.list()] == ["bob"]
    assert not keyring.exists("alice")
    with pytest.raises(KeyringError, match="not found"):
        keyring.show("alice")


BAD_NAMES = ["", "a" * 65, "../evil", "a/b", "..", ".", ".hidden", "with space", "ünïcode", "nul\x00byte", "a\\b"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_invalid_names_are_rejected(keyring: Keyring, tmp_path: Path, name: str) -> None:
    with pytest.raises(KeyringError, match="invalid key name"):
        keyring.add(name, mnemonic=MNEMONIC)
    for operation in ("show", "signing_key", "delete"):
        with pytest.raises(KeyringError, match="invalid key name"):
            getattr(keyring, operation)(name)
    with pytest.raises(KeyringError, match="invalid key name"):
        keyring.import_key(name, "irrelevant", EXPORT_PASSPHRASE)
    # Nothing was written anywhere under home, inside or outside the keyring directory.
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("name", ["a", "A-b_c.1", "z" * 64, "validator-0"])
def test_valid_names_are_accepted(keyring: Keyring, name: str) -> None:
    info, _ = keyring.add(name, mnemonic=MNEMONIC)
    assert keyring.show(name) == info
    assert (keyring.directory / f"{name}.json").is_file()


def test_key_files_are_private_and_no_temp_files_are_left(keyring: Keyring) -> None:
    keyring.add("alice")
    keyring.add("alice", overwrite=True)
    keyring.add("bob")
    files = sorted(p.name for p in keyring.directory.iterdir())
    assert files == ["alice.json", "bob.json"]
    for path in keyring.directory.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keyring.directory.stat().st_mode) == 0o700


def test_unknown_backend_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="unknown keyring backend 'kwallet'"):
        open_keyring(tmp_path, "kwallet")


# --------------------------------------------------------------------------- test backend


def test_test_backend_stores_unencrypted_json_in_keyring_test(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    assert isinstance(keyring, TestKeyring)
    assert keyring.encrypted is False
    info, _ = keyring.add("alice", mnemonic=MNEMONIC)
    record = json.loads((tmp_path / "keyring-test" / "alice.json").read_text())
    assert record["seed"] == bytes(derive_signing_key(MNEMONIC)).hex()
    assert record["address"] == info.address
    assert record["hd_path"] == DEFAULT_HD_PATH
    assert MNEMONIC not in json.dumps(record)  # the mnemonic itself is never stored


def test_test_backend_never_asks_for_a_passphrase(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test", no_passphrase_expected)
    info, _ = keyring.add("alice")
    assert bytes(keyring.signing_key("alice").verify_key) == info.pubkey


# --------------------------------------------------------------------------- file backend


def test_file_backend_is_encrypted_and_lives_in_keyring_file(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file", fixed_passphrase())
    assert isinstance(keyring, FileKeyring)
    assert keyring.encrypted is True
    keyring.add("alice", mnemonic=MNEMONIC)
    record = json.loads((tmp_path / "keyring-file" / "alice.json").read_text())
    assert "seed" not in record
    assert record["crypto"]["kdf"] == "argon2id"
    assert len(base64.b64decode(record["crypto"]["salt"])) == 16


def test_file_backend_never_stores_seed_in_clear(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file", fixed_passphrase())
    keyring.add("alice", mnemonic=MNEMONIC)
    seed = bytes(derive_signing_key(MNEMONIC))
    data = (tmp_path / "keyring-file" / "alice.json").read_bytes()
    for encoding in (seed, seed.hex().encode(), seed.hex().upper().encode(), base64.b64encode(seed)):
        assert encoding not in data
    assert b"abandon" not in data
    assert PASSPHRASE.encode() not in data


def test_file_backend_rejects_wrong_passphrase(tmp_path: Path) -> None:
    open_keyring(tmp_path, "file", fixed_passphrase()).add("alice")
    wrong = open_keyring(tmp_path, "file", fixed_passphrase("not the passphrase"))
    with pytest.raises(KeyringError, match="^wrong passphrase for key 'alice'$"):
        wrong.signing_key("alice")
    with pytest.raises(KeyringError, match="wrong passphrase for key 'alice'"):
        wrong.export("alice", EXPORT_PASSPHRASE)


def test_file_backend_list_and_show_need_no_passphrase(tmp_path: Path) -> None:
    info, _ = open_keyring(tmp_path, "file", fixed_passphrase()).add("alice")
    reader = open_keyring(tmp_path, "file", no_passphrase_expected)
    assert reader.list() == [info]
    assert reader.show("alice") == info


def test_file_backend_prompts_with_the_key_name(tmp_path: Path) -> None:
    prompts: list[str] = []

    def provider(prompt: str) -> str:
        prompts.append(prompt)
        return PASSPHRASE

    keyring = open_keyring(tmp_path, "file", provider)
    keyring.add("alice")
    keyring.signing_key("alice")
    assert len(prompts) == 2
    assert all("'alice'" in prompt for prompt in prompts)


def test_file_backend_without_passphrase_provider_fails_cleanly(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file")
    with pytest.raises(KeyringError, match="needs a passphrase"):
        keyring.add("alice")
    assert keyring.list() == []


def test_file_backend_rejects_short_passphrase(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file", fixed_passphrase("short"))
    with pytest.raises(KeyringError, match="at least 8 characters"):
        keyring.add("alice")
    assert keyring.list() == []


def test_file_backend_uses_a_fresh_salt_per_key(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file", fixed_passphrase())
    keyring.add("one", mnemonic=MNEMONIC)
    keyring.add("two", mnemonic=MNEMONIC)
    first = json.loads((keyring.directory / "one.json").read_text())["crypto"]
    second = json.loads((keyring.directory / "two.json").read_text())["crypto"]
    assert first["salt"] != second["salt"]
    assert first["ciphertext"] != second["ciphertext"]


def test_swapped_public_key_in_key_file_is_detected(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "file", fixed_passphrase())
    keyring.add("alice", mnemonic=MNEMONIC)
    other = bytes(derive_signing_key(OTHER_MNEMONIC).verify_key)
    path = keyring.directory / "alice.json"
    record = json.loads(path.read_text())
    record.update(pubkey=other.hex(), address=address_from_pubkey(other))
    path.write_text(json.dumps(record))
    assert keyring.show("alice").pubkey == other  # public data alone cannot tell
    with pytest.raises(KeyringError, match="does not match the stored public key"):
        keyring.signing_key("alice")


# --------------------------------------------------------------------------- export / import


@pytest.mark.parametrize(("source", "target"), [("file", "test"), ("test", "file"), ("file", "file")])
def test_export_import_roundtrip(tmp_path: Path, source: str, target: str) -> None:
    exporter = open_keyring(tmp_path / "a", source, fixed_passphrase())
    info, _ = exporter.add("alice", mnemonic=MNEMONIC)
    armored = exporter.export("alice", EXPORT_PASSPHRASE)
    assert armored.startswith(ARMOR_BEGIN + "\n")
    assert armored.rstrip().endswith(ARMOR_END)

    importer = open_keyring(tmp_path / "b", target, fixed_passphrase("another keyring passphrase"))
    imported = importer.import_key("alice2", armored, EXPORT_PASSPHRASE)
    assert (imported.name, imported.address, imported.pubkey) == ("alice2", info.address, info.pubkey)
    assert imported.backend == target
    assert bytes(importer.signing_key("alice2")) == bytes(exporter.signing_key("alice"))


def test_export_payload_is_base64_json_without_the_seed_in_clear(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    info, _ = keyring.add("alice", mnemonic=MNEMONIC)
    armored = keyring.export("alice", EXPORT_PASSPHRASE)
    body = "".join(armored.strip().splitlines()[1:-1])
    payload = json.loads(base64.b64decode(body))
    assert payload["kdf"] == "argon2id"
    assert bytes.fromhex(payload["pubkey"]) == info.pubkey
    assert {"salt", "ciphertext"} <= payload.keys()
    seed = bytes(derive_signing_key(MNEMONIC))
    decoded = base64.b64decode(body)
    assert seed not in decoded and seed.hex().encode() not in decoded
    assert all(len(line) <= 64 for line in armored.splitlines())


def test_import_rejects_wrong_export_passphrase(tmp_path: Path) -> None:
    exporter = open_keyring(tmp_path / "a", "test")
    exporter.add("alice")
    armored = exporter.export("alice", EXPORT_PASSPHRASE)
    importer = open_keyring(tmp_path / "b", "test")
    with pytest.raises(KeyringError, match="wrong passphrase for exported key"):
        importer.import_key("alice", armored, "not the export passphrase")
    assert importer.list() == []


def test_import_existing_name_requires_overwrite(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    keyring.add("alice", mnemonic=MNEMONIC)
    keyring.add("bob", mnemonic=OTHER_MNEMONIC)
    armored = keyring.export("bob", EXPORT_PASSPHRASE)
    with pytest.raises(KeyringError, match="key 'alice' already exists"):
        keyring.import_key("alice", armored, EXPORT_PASSPHRASE)
    replaced = keyring.import_key("alice", armored, EXPORT_PASSPHRASE, overwrite=True)
    assert replaced.pubkey == keyring.show("bob").pubkey


def test_export_rejects_short_export_passphrase(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    keyring.add("alice")
    with pytest.raises(KeyringError, match="at least 8 characters"):
        keyring.export("alice", "short")


@pytest.mark.parametrize(
    "armored",
    [
        "",
        "not armored at all",
        f"{ARMOR_BEGIN}\n{ARMOR_END}\n",
        f"{ARMOR_BEGIN}\n!!!not base64!!!\n{ARMOR_END}\n",
        f"{ARMOR_BEGIN}\n{base64.b64encode(b'not json').decode()}\n{ARMOR_END}\n",
        f"{ARMOR_BEGIN}\n{base64.b64encode(b'[1, 2]').decode()}\n{ARMOR_END}\n",
    ],
)
def test_import_rejects_malformed_armor(tmp_path: Path, armored: str) -> None:
    keyring = open_keyring(tmp_path, "test")
    with pytest.raises(KeyringError):
        keyring.import_key("alice", armored, EXPORT_PASSPHRASE)
    assert keyring.list() == []


def test_import_rejects_export_whose_public_key_was_swapped(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    keyring.add("alice", mnemonic=MNEMONIC)
    armored = keyring.export("alice", EXPORT_PASSPHRASE)
    payload = json.loads(base64.b64decode("".join(armored.strip().splitlines()[1:-1])))
    payload["pubkey"] = bytes(derive_signing_key(OTHER_MNEMONIC).verify_key).hex()
    tampered = f"{ARMOR_BEGIN}\n{base64.b64encode(json.dumps(payload).encode()).decode()}\n{ARMOR_END}\n"
    with pytest.raises(KeyringError, match="does not match"):
        keyring.import_key("mallory", tampered, EXPORT_PASSPHRASE)
    assert not keyring.exists("mallory")


def test_import_rejects_excessive_kdf_limits(tmp_path: Path) -> None:
    keyring = open_keyring(tmp_path, "test")
    keyring.add("alice")
    armored = keyring.export("alice", EXPORT_PASSPHRASE)
    payload = json.loads(base64.b64decode("".join(armored.strip().splitlines()[1:-1])))
    payload["memlimit"] = 1 << 40
    tampered = f"{ARMOR_BEGIN}\n{base64.b64encode(json.dumps(payload).encode()).decode()}\n{ARMOR_END}\n"
    with pytest.raises(KeyringError, match="memlimit"):
        keyring.import_key("bob", tampered, EXPORT_PASSPHRASE)
