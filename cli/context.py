"""What every command shares: wallet home, node URL, chain id, keyring, output format; addresses, queries, chain clients."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

# Every command, --help included, imports this module: the library (httpx, nacl, msgpack, the light client) is
# imported inside the methods that use it, so that start-up stays fast (bench/cli_startup.py).
if TYPE_CHECKING:
    from client.chain import ChainClient
    from client.rpc import CometRpc
    from client.wallet.keyring import Keyring

ADDRESS_PREFIX = "amio"  # chain_modules.common.address.ADDRESS_PREFIX (a test checks they agree)

DEFAULT_HOME = Path(os.environ.get("AMINO_HOME", Path.home() / ".amino"))
DEFAULT_NODE = "http://127.0.0.1:26657"


@dataclass
class CliContext:
    home: Path
    node: str | None
    chain_id: str | None
    keyring_backend: str | None
    output: str | None
    keyring_passphrase_file: str | None = None
    denom: str | None = None
    _keyring: Keyring | None = None

    def __post_init__(self) -> None:
        if self.output is None:
            self.output = self._config().get("output") or "text"
        from cli.output import set_denom

        self.denom = self.denom or self._config().get("denom") or "amio"
        set_denom(self.denom)

    def override(self, name: str, value) -> None:
        """A global flag given after the subcommand: it wins over the root's value (and the keyring is reopened)."""
        setattr(self, name, value)
        if name == "denom":
            from cli.output import set_denom

            set_denom(value)
        if name in ("home", "keyring_backend", "keyring_passphrase_file"):
            self._keyring = None

    def _config(self) -> dict:
        from cli.config import load

        return load(self.home)

    @property
    def node_url(self) -> str:
        return self.node or self._config().get("node") or DEFAULT_NODE

    @property
    def backend(self) -> str:
        return self.keyring_backend or self._config().get("keyring_backend") or "file"

    def rpc(self) -> CometRpc:
        from client.rpc import CometRpc

        return CometRpc(self.node_url)

    def configured_chain_id(self) -> str | None:
        """The chain id the user gave (--chain-id, AMINO_CHAIN_ID or the client config), if any."""
        return self.chain_id or self._config().get("chain_id")

    def configured_gas_prices(self) -> str | None:
        return self._config().get("gas_prices")

    def key_name_of(self, address: str) -> str:
        """The name of the keyring's key for ``address``; one line when the keyring has none."""
        for info in self.keyring().list():
            if info.address == address:
                return info.name
        raise click.ClickException(f"no key in the keyring for {address}: sign with a key name, or use --generate-only "
                                   "and sign the file where the key is ('amino tx sign FILE --from NAME')")

    def resolved_chain_id(self, rpc: CometRpc | None = None) -> str:
        chain_id = self.configured_chain_id()
        if chain_id:
            return chain_id
        return (rpc or self.rpc()).status()["node_info"]["network"]

    def trusted_chain_id(self) -> str:
        """The chain id from the user (--chain-id, AMINO_CHAIN_ID or client.toml), never from the node.

        Verification must not take the chain id from the node it checks: a node
        could name another chain and so escape the wallet's trust anchor.
        """
        chain_id = self.chain_id or self._config().get("chain_id")
        if not chain_id:
            raise click.ClickException(
                "--prove and trust need the chain id from you, not from the node: pass --chain-id or 'amino config set chain-id ID'")
        return chain_id

    def witnesses(self, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        """Witness RPC URLs: the --witness options, else client.toml witnesses."""
        if extra:
            return tuple(extra)
        configured = self._config().get("witnesses") or []
        if isinstance(configured, str):
            configured = [configured]
        if not isinstance(configured, list) or not all(isinstance(url, str) and url for url in configured):
            raise click.ClickException("the client config's witnesses must be a list of RPC URLs")
        return tuple(configured)

    def trusting_period_seconds(self, option: int | None = None) -> int:
        """The light client's trusting period: --trusting-period, else client.toml trusting-period, else 14 days."""
        from client.lightclient import DEFAULT_TRUSTING_PERIOD_SECONDS
        from cli.parsing import parse_duration

        if option is not None:
            return option
        configured = self._config().get("trusting_period")
        if configured is None:
            return DEFAULT_TRUSTING_PERIOD_SECONDS
        try:
            return parse_duration(str(configured))
        except click.BadParameter as exc:
            raise click.ClickException(f"the client config's trusting-period: {exc.message}") from None

    def resolve_address(self, value: str) -> str:
        """An address, or the name of a key in the keyring; an address of another chain is named as such."""
        import bech32

        from client.wallet.tx import address_bytes

        if value.startswith(ADDRESS_PREFIX + "1"):
            address_bytes(value)  # a checksum or length error is one line naming the address
            return value
        hrp, _data = bech32.bech32_decode(value)
        if hrp is not None and hrp != ADDRESS_PREFIX:
            raise click.ClickException(f"{value!r} is an address with prefix {hrp!r}: Amino addresses start with "
                                       f"'{ADDRESS_PREFIX}1'")
        return self.keyring().show(value).address

    def address_bytes(self, value: str) -> bytes:
        """The 20 address bytes of an address or of a key's name."""
        from client.wallet.tx import address_bytes

        return address_bytes(self.resolve_address(value))

    def query(self, path: str) -> tuple[Any, int]:
        """The decoded value at ``path`` and its height; a refused query stops the command with one line."""
        from chain_modules.common.encoding import decode

        result = self.rpc().abci_query(path)
        if result.code:
            raise click.ClickException(f"query failed ({result.codespace} {result.code}): {result.log}")
        return decode(result.value), result.height

    def chain(self, key: str | None, tx_options: dict | None = None) -> ChainClient:
        """A chain client for the services and tasks, signing with key ``key`` (None: queries only)."""
        from client.chain import ChainClient

        signing_key = self.keyring().signing_key(key) if key else None
        # no chain id given: the client asks the node (read-only commands must work on a fresh home)
        return ChainClient(self.node_url, signing_key, self.chain_id or self._config().get("chain_id"), rpc=self.rpc(),
                           tx_options=tx_options)

    def keyring(self) -> Keyring:
        from client.wallet.keyring import open_keyring

        if self._keyring is not None:
            return self._keyring

        def ask(prompt: str) -> str:
            return self.passphrase(prompt, new="encrypt" in prompt)

        keyring = open_keyring(self.home, self.backend, ask)
        if not keyring.encrypted:
            click.echo(
                f"WARNING: keyring backend '{self.backend}' stores keys UNENCRYPTED in {self.home}; use it for tests only",
                err=True,
            )
        self._keyring = keyring
        return keyring


    def passphrase(self, prompt: str, new: bool = False) -> str:
        """The keyring passphrase, from the first of: --keyring-passphrase-file, AMINO_KEYRING_PASSPHRASE, the
        terminal (asked twice for a new one), or one line of piped stdin (two for a new one, which must match).

        Every command asks in this one order; piped input is read as plain lines, with no terminal warning.
        """
        if self.keyring_passphrase_file is not None:
            try:
                return Path(self.keyring_passphrase_file).read_text().splitlines()[0]
            except (OSError, IndexError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else "it is empty"
                raise click.ClickException(f"cannot read the keyring passphrase from "
                                           f"{self.keyring_passphrase_file}: {reason}") from None
        env = os.environ.get("AMINO_KEYRING_PASSPHRASE")
        if env is not None:
            return env
        return ask_secret(prompt.rstrip(": "), confirm=new, missing="the keyring needs a passphrase: set "
                          "AMINO_KEYRING_PASSPHRASE, pass --keyring-passphrase-file FILE, or run on a terminal")


def ask_secret(label: str, confirm: bool = False, missing: str | None = None) -> str:
    """A secret from the terminal (hidden; asked twice with ``confirm``), or from plain lines of piped stdin (two
    with ``confirm``, which must match): piped input gets no getpass warning on stderr."""
    if sys.stdin.isatty():
        return click.prompt(label, hide_input=True, confirmation_prompt="Repeat it" if confirm else False, err=True)
    first = sys.stdin.readline()
    if not first:
        raise click.ClickException(missing or f"{label}: nothing on stdin (pipe it in, or run on a terminal)")
    first = first.rstrip("\n")
    if confirm and sys.stdin.readline().rstrip("\n") != first:
        raise click.ClickException(f"{label}: the two entries differ, nothing was done")
    return first


pass_ctx = click.make_pass_decorator(CliContext)
