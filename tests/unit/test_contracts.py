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
