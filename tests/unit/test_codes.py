import pytest

from core import codes as C


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_valid_npis(npi):
    assert C.is_valid_npi(npi)
    assert C.npi_problem(npi) is None


def test_check_digit_matches_the_cms_example():
    # CMS's worked example: 123456789 -> check digit 3 (computed over 80840123456789).
    assert C.npi_check_digit("123456789") == 3


@pytest.mark.parametrize(
    "npi,why",
    [
        ("1234567890", "check digit"),
        ("123456789", "10 digits"),
        ("12345678931", "10 digits"),
        ("3234567893", "start with 1 or 2"),
        ("12345678a3", "10 digits"),
        ("", "10 digits"),
    ],
)
def test_invalid_npis(npi, why):
    assert not C.is_valid_npi(npi)
    assert why in C.npi_problem(npi)


def test_every_single_digit_typo_is_caught():
    good = "1234567893"
    for i in range(10):
        for d in "0123456789":
            if d != good[i]:
                typo = good[:i] + d + good[i + 1 :]
                assert not C.is_valid_npi(typo), typo


def test_code_shapes():
    assert (
        C.is_icd10_format("E11.9") and C.is_icd10_format("e119") and C.is_icd10_format("S93.401A")
    )
    assert not C.is_icd10_format("11.9") and not C.is_icd10_format("E1")
    assert C.normalize_icd10("e119") == "E11.9" and C.normalize_icd10("E11") == "E11"
    assert C.procedure_kind("99213") == "cpt" and C.procedure_kind("0001F") == "cpt"
    assert C.procedure_kind("J3301") == "hcpcs" and C.procedure_kind("g0439") == "hcpcs"
    assert C.procedure_kind("9921") is None and C.procedure_kind("ABCDE") is None
    assert (
        C.is_modifier_format("25") and C.is_modifier_format("lt") and not C.is_modifier_format("2")
    )
    assert C.is_taxonomy_format("207Q00000X") and not C.is_taxonomy_format("207Q00000")


def test_address_parts():
    assert C.normalize_zip("12345-6789") == "123456789"
    assert C.normalize_zip("12345") == "12345"
    for bad in ["1234", "123456", "abcde", ""]:
        with pytest.raises(ValueError):
            C.normalize_zip(bad)
    assert C.normalize_phone("(555) 234-5678") == "5552345678"
    assert C.normalize_phone("+1 555 234 5678") == "5552345678"
    for bad in ["555-1234", "(055) 234-5678", "12"]:
        with pytest.raises(ValueError):
            C.normalize_phone(bad)
    assert C.normalize_state(" ny ") == "NY"
    with pytest.raises(ValueError):
        C.normalize_state("XX")
    assert C.normalize_tax_id("12-3456789") == "123456789"
    with pytest.raises(ValueError):
        C.normalize_tax_id("1234")
