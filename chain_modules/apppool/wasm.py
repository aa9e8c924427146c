"""The structural check of a WebAssembly module that the register handler runs on the module's bytes.

It is not a validator: it reads the module's frame only (the magic, the version, each section's id and
length, the count of the import section), never the code. That is enough to refuse what is certainly not a job
module (a text file, WAT source, a truncated download, a module that imports anything), deterministically and at
a cost linear in the module's size: every loop step consumes at least one byte. The full validation against the
job ABI (exports, types, limits) stays with the worker (wasm_jobs/abi.py), which compiles the module anyway.
"""

from __future__ import annotations

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"
CUSTOM_SECTION = 0
IMPORT_SECTION = 2
# the non-custom sections in the order the binary format requires (core spec 5.5.2; 12 datacount comes before
# code, 13 tag, from the exception-handling proposal, between memory and global)
SECTION_ORDER = (1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11)
_RANK = {section: rank for rank, section in enumerate(SECTION_ORDER)}
MAX_U32 = 2**32 - 1


class WasmStructureError(ValueError):
    """The bytes are not a structurally valid WebAssembly module; the message says where and why."""


def _read_u32(data: bytes, position: int, limit: int | None = None) -> tuple[int, int]:
    """An unsigned LEB128 u32 at ``position``, read from bytes before ``limit`` (default: the end): (value, next
    position). At most 5 bytes, as the format says."""
    limit = len(data) if limit is None else limit
    result = 0
    for index in range(5):
        if position + index >= limit:
            raise WasmStructureError(f"byte {position}: the module ends inside a number")
        byte = data[position + index]
        result |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if result > MAX_U32:
                raise WasmStructureError(f"byte {position}: number above 2^32 - 1")
            return result, position + index + 1
    raise WasmStructureError(f"byte {position}: number longer than 5 bytes")


def check_structure(module: bytes) -> None:
    """Raise WasmStructureError unless ``module`` has the WebAssembly magic and version 1, a sequence of
    well-formed sections (known ids, lengths inside the module, non-custom sections at most once each and in the
    required order) and no import entries."""
    if not module.startswith(MAGIC):
        hint = " (it looks like WAT text: compile it to the binary format)" if module.lstrip()[:1] == b"(" else ""
        raise WasmStructureError(f"not a WebAssembly module: it does not start with the magic bytes \\0asm{hint}")
    if module[4:8] != VERSION:
        raise WasmStructureError("unsupported WebAssembly version: only version 1 is accepted")
    position, last_rank = 8, -1
    while position < len(module):
        section = module[position]
        if section != CUSTOM_SECTION and section not in _RANK:
            raise WasmStructureError(f"byte {position}: unknown section id {section}")
        size, body = _read_u32(module, position + 1)
        end = body + size
        if end > len(module):
            raise WasmStructureError(f"byte {position}: section {section} claims {size} bytes, past the module's end")
        if section == CUSTOM_SECTION:
            name_length, name = _read_u32(module, body, end)
            if name + name_length > end:
                raise WasmStructureError(f"byte {position}: custom section name runs past its section")
        else:
            if _RANK[section] <= last_rank:
                raise WasmStructureError(f"byte {position}: section {section} is repeated or out of order")
            last_rank = _RANK[section]
            if section == IMPORT_SECTION:
                count, _ = _read_u32(module, body, end)
                if count:
                    raise WasmStructureError(f"the module has {count} import(s): a job module may import nothing")
        position = end
