"""ChainClient: queries and signed transactions for long-running programs (master node, worker, task client).

The wallet CLI builds one tx per command; services send many from one key,
so this client keeps the account sequence locally, serialises sends with a
lock, and refetches the sequence once when the chain says it is wrong
(another program used the key, or a tx was dropped from the mempool). Both
sign and broadcast through client.wallet.tx.sign_and_broadcast.
"""

from __future__ import annotations

import threading
from typing import Any

import nacl.signing

from chain_modules.auth.errors import ErrWrongSequence
from chain_modules.common.address import address_from_pubkey
from chain_modules.common.encoding import decode
from client.rpc import CometRpc, RpcError
from client.wallet import tx as wallet_tx

NOT_FOUND = 5


class ChainError(Exception):
    """A query or a transaction the chain refused; ``code``/``codespace``/``log`` say why."""

    def __init__(self, message: str, code: int = 0, codespace: str = "", log: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.codespace = codespace
        self.log = log


class ChainClient:
    def __init__(self, rpc_url: str, signing_key: nacl.signing.SigningKey | None = None, chain_id: str | None = None,
                 timeout: float = 10.0, rpc: CometRpc | None = None, tx_options: dict | None = None) -> None:
        self.rpc = rpc if rpc is not None else CometRpc(rpc_url, timeout=timeout)
        # fee, gas_limit, gas_price (uamio per gas, a Fraction) and memo for every tx this client sends
        self.tx_options = dict(tx_options or {})
        self.signing_key = signing_key
        self._chain_id = chain_id
        self._sequence: int | None = None
        self._params = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        assert self.signing_key is not None, "this client has no key"
        return address_from_pubkey(bytes(self.signing_key.verify_key))

    @property
    def chain_id(self) -> str:
        if self._chain_id is None:
            self._chain_id = self.rpc.status()["node_info"]["network"]
        return self._chain_id

    def close(self) -> None:
        self.rpc.close()

    # -- queries -----------------------------------------------------------------------

    def query(self, path: str) -> Any:
        """The decoded msgpack value at ``path``; ChainError when the app refuses the query."""
        result = self.rpc.abci_query(path)
        if result.code:
            raise ChainError(f"query {path}: {result.log}", result.code, result.codespace, result.log)
        return decode(result.value) if result.value else None

    def query_or_none(self, path: str) -> Any:
        try:
            return self.query(path)
        except ChainError as exc:
            if exc.code == NOT_FOUND:
                return None
            raise

    def height(self) -> int:
        return self.rpc.latest_height()

    # -- transactions --------------------------------------------------------------------

    def send(self, msgs: list, wait: bool = True, timeout: float = 30.0) -> wallet_tx.BroadcastResult:
        """Sign ``msgs`` (message dataclasses) into one tx and broadcast it; raise ChainError unless it succeeds."""
        assert self.signing_key is not None, "this client has no key"
        with self._lock:
            for attempt in range(2):
                result = self._send_once(msgs, wait, timeout)
                wrong_sequence = result.codespace == "tx" and ErrWrongSequence.code in (result.check_code, result.code)
                if wrong_sequence and attempt == 0:
                    self._sequence = None
                    continue
                break
            if result.check_code:
                if result.check_code != ErrWrongSequence.code:
                    self._sequence = None if result.codespace == "tx" else self._sequence
                raise ChainError(f"tx refused: {result.check_log}", result.check_code, result.codespace, result.check_log)
            self._sequence = (self._sequence or 0) + 1
            if wait and result.code:
                raise ChainError(f"tx failed: {result.log}", result.code or 0, result.codespace, result.log or "")
            return result

    def _send_once(self, msgs: list, wait: bool, timeout: float) -> wallet_tx.BroadcastResult:
        if self._params is None:
            self._params = wallet_tx.get_params(self.rpc)
        if self._sequence is None:
            self._sequence = wallet_tx.get_sequence(self.rpc, self.address)
        try:
            return wallet_tx.sign_and_broadcast(self.rpc, self.chain_id, self.address, msgs, self.signing_key,
                                                params=self._params, sequence=self._sequence, wait=wait, timeout=timeout,
                                                **self.tx_options)
        except wallet_tx.WalletError as exc:
            raise ChainError(str(exc)) from None
        except RpcError as exc:
            self._sequence = None
            raise ChainError(f"broadcast failed: {exc}") from None


def event_attributes(result: wallet_tx.BroadcastResult, event_type: str) -> list[dict]:
    """The attributes of every ``event_type`` event of a committed tx."""
    return [event["attributes"] for event in result.events or [] if event["type"] == event_type]
