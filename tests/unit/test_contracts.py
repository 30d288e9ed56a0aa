from ecomlake.contracts import all_sources, load_contract


def test_orders_contract_declares_key_pii_and_cdc_envelope():
    contract = load_contract("orders")
    assert contract.key == ("order_id",)
    assert set(contract.pii_fields) == {"shipping_phone", "shipping_address"}
    assert contract.envelope_ddl.startswith("op string, ts_ms bigint, before struct<")
    assert "`items`: array<struct<sku_id:string" in contract.envelope_ddl


def test_every_field_is_documented():
    for source in all_sources():
        for field in load_contract(source).fields:
            assert field.description.strip(), f"{source}.{field.name} has no description"


def test_the_source_reference_is_generated_from_the_contracts():
    from ecomlake.contracts.docs import render
    from orchestration.cli import SOURCE_DOCS

    assert SOURCE_DOCS.read_text(encoding="utf-8") == render(), "run `ecomlake docs` and commit docs/sources.md"


def test_ten_sources_each_with_a_key_a_silver_table_and_quirks():
    sources = all_sources()
    assert len(sources) == 10
    tables = [load_contract(s).silver_table for s in sources]
    assert len(set(tables)) == 10
    for source in sources:
        contract = load_contract(source)
        assert contract.key and contract.quirks, source
