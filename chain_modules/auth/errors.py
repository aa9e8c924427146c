"""Transaction-level errors (codespace "tx"): decoding, signature, sequence, fees, gas."""

from chain_modules.common.errors import ChainError
from chain_modules.common.messages import ErrInvalidMessage  # code 11 of "tx": the message format error every module raises


class TxError(ChainError):
    codespace = "tx"


class ErrTxDecode(TxError):
    code = 2
    description = "transaction bytes could not be decoded"


class ErrTxTooLarge(TxError):
    code = 3
    description = "transaction exceeds the maximum size"


class ErrTooManyMessages(TxError):
    code = 4
    description = "transaction has too many messages"


class ErrWrongChainId(TxError):
    code = 5
    description = "transaction is for another chain"


class ErrInvalidSignature(TxError):
    code = 6
    description = "signature verification failed"


class ErrWrongSequence(TxError):
    code = 7
    description = "account sequence mismatch"


class ErrInsufficientFee(TxError):
    code = 8
    description = "fee is below gas limit x minimum gas price"


class ErrOutOfGas(TxError):
    code = 9
    description = "out of gas"


class ErrUnknownMessage(TxError):
    code = 10
    description = "unknown message type"



class ErrGasLimitTooHigh(TxError):
    code = 12
    description = "gas limit exceeds the maximum per transaction"


class ErrMemoTooLong(TxError):
    code = 13
    description = "memo exceeds the maximum length"


class ErrUnauthorized(TxError):
    code = 14
    description = "message signer is not the transaction signer"


class ErrNoMessages(TxError):
    code = 15
    description = "transaction has no messages"


class ErrInsufficientFeeFunds(TxError):
    code = 16
    description = "fee payer cannot pay the fee"
