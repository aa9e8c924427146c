"""The example jobs compute exactly what their Python references say, deterministically."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wasm_jobs import run_job
from wasm_jobs.abi import STATUS_OK, STATUS_TRAP
from wasm_jobs.examples import EXAMPLES, build, reference

FUEL = 50_000_000
MEMORY = 16 * 1024 * 1024
GENERATED = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

i32_values = st.integers(min_value=-(2**31), max_value=2**31 - 1)


def run_ok(binary: bytes, job_input: bytes) -> bytes:
    outcome = run_job(binary, job_input, FUEL, MEMORY)
    assert outcome.status == STATUS_OK, outcome.detail
    assert 0 < outcome.fuel_used < FUEL
    return outcome.output


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_sample_matches_reference_with_repeatable_fuel(name: str, example_binaries: dict[str, bytes]) -> None:
    _, reference_function, sample = EXAMPLES[name]
    first = run_job(example_binaries[name], sample, FUEL, MEMORY)
    second = run_job(example_binaries[name], sample, FUEL, MEMORY)
    assert first.status == STATUS_OK, first.detail
    assert first.output == reference_function(sample)
    assert first == second
    assert 0 < first.fuel_used < FUEL


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_from_wat_text_behaves_like_its_binary(name: str, example_binaries: dict[str, bytes]) -> None:
    wat_path, _, sample = EXAMPLES[name]
    from_text = run_job(wat_path.read_bytes(), sample, FUEL, MEMORY)
    assert from_text == run_job(example_binaries[name], sample, FUEL, MEMORY)


def test_build_rejects_unknown_example() -> None:
    with pytest.raises(KeyError, match="unknown example"):
        build("no_such_job")


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (b"", 0xCBF29CE484222325),
        (b"a", 0xAF63DC4C8601EC8C),
        (b"foobar", 0x85944171F73967E8),
    ],
)
def test_hash_chain_of_zero_rounds_is_published_fnv1a64(seed: bytes, expected: int, example_binaries: dict[str, bytes]) -> None:
    job_input = reference.hash_chain_input(0, seed)
    assert run_ok(example_binaries["hash_chain"], job_input) == expected.to_bytes(8, "little")
    assert reference.hash_chain(job_input) == expected.to_bytes(8, "little")


@pytest.mark.parametrize(
    ("count", "seed", "expected_hex"),
    [
        (1, b"", "cca56af1eb18edf4"),
        (1000, b"amino chain", "467fdfceeee027d4"),
        (100_000, b"\x00\x01", "3e32ddb602cffed3"),
    ],
)
def test_hash_chain_matches_known_answers(count: int, seed: bytes, expected_hex: str, example_binaries: dict[str, bytes]) -> None:
    job_input = reference.hash_chain_input(count, seed)
    assert run_ok(example_binaries["hash_chain"], job_input).hex() == expected_hex
    assert reference.hash_chain(job_input).hex() == expected_hex


def test_hash_chain_fuel_grows_by_the_same_amount_each_round(example_binaries: dict[str, bytes]) -> None:
    fuel = [
        run_job(example_binaries["hash_chain"], reference.hash_chain_input(count, b"seed"), FUEL, MEMORY).fuel_used
        for count in (10, 20, 30)
    ]
    assert fuel[2] - fuel[1] == fuel[1] - fuel[0] > 0


@GENERATED
@given(count=st.integers(min_value=0, max_value=40), seed=st.binary(max_size=40))
def test_hash_chain_matches_reference_on_generated_inputs(count: int, seed: bytes, example_binaries: dict[str, bytes]) -> None:
    job_input = reference.hash_chain_input(count, seed)
    assert run_ok(example_binaries["hash_chain"], job_input) == reference.hash_chain(job_input)


@st.composite
def matrix_pairs(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]]]:
    n = draw(st.integers(min_value=0, max_value=6))
    square = st.lists(st.lists(i32_values, min_size=n, max_size=n), min_size=n, max_size=n)
    return draw(square), draw(square)


@GENERATED
@given(matrices=matrix_pairs())
def test_matmul_matches_reference_on_generated_matrices(
    matrices: tuple[list[list[int]], list[list[int]]], example_binaries: dict[str, bytes]
) -> None:
    job_input = reference.matmul_input(*matrices)
    outcome = run_job(example_binaries["matmul"], job_input, FUEL, MEMORY)
    assert outcome.status == STATUS_OK, outcome.detail
    assert outcome.output == reference.matmul(job_input)


def test_matmul_wraps_on_overflow(example_binaries: dict[str, bytes]) -> None:
    big = 2**31 - 1
    job_input = reference.matmul_input([[big, big], [big, big]], [[big, 1], [big, -1]])
    output = run_ok(example_binaries["matmul"], job_input)
    assert output == reference.matmul(job_input)
    assert struct.unpack("<4i", output)[0] == ((big * big * 2) + 2**31) % 2**32 - 2**31


@st.composite
def images(draw: st.DrawFn) -> bytes:
    width = draw(st.integers(min_value=0, max_value=9))
    height = draw(st.integers(min_value=0, max_value=9))
    pixels = draw(st.binary(min_size=width * height, max_size=width * height))
    return reference.image_blur_input(width, height, pixels)


@GENERATED
@given(job_input=images())
def test_image_blur_matches_reference_on_generated_images(job_input: bytes, example_binaries: dict[str, bytes]) -> None:
    outcome = run_job(example_binaries["image_blur"], job_input, FUEL, MEMORY)
    assert outcome.status == STATUS_OK, outcome.detail
    assert outcome.output == reference.image_blur(job_input)


def test_image_blur_of_a_flat_image_is_unchanged(example_binaries: dict[str, bytes]) -> None:
    job_input = reference.image_blur_input(5, 3, bytes([200]) * 15)
    assert run_ok(example_binaries["image_blur"], job_input) == bytes([200]) * 15


@pytest.mark.parametrize(
    ("name", "job_input"),
    [
        ("hash_chain", b"\x01\x02\x03"),
        ("matmul", struct.pack("<I", 2) + b"\x00" * 31),
        ("matmul", struct.pack("<I", 0x10000) + b"\x00" * 4),  # 8*n*n wraps to 0 in 32 bits
        ("image_blur", struct.pack("<II", 3, 3) + b"\x00" * 8),
        ("image_blur", b""),
    ],
)
def test_example_traps_on_malformed_input_where_reference_refuses(
    name: str, job_input: bytes, example_binaries: dict[str, bytes]
) -> None:
    _, reference_function, _ = EXAMPLES[name]
    with pytest.raises(ValueError):
        reference_function(job_input)
    assert run_job(example_binaries[name], job_input, FUEL, MEMORY).status == STATUS_TRAP
