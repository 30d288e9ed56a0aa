import csv
import re
from datetime import date, timedelta
from decimal import Decimal

from ecomgen import ad_spend
from ecomgen.campaigns import campaigns
from ecomgen.model import Day
from ecomlake.contracts import Reason, load_contract

CONTRACT = load_contract("ad_spend")
FIRST = date(2026, 11, 1)
SCALE = 0.01
MONEY = re.compile(r"^\d+\.\d{2}$")


def day(index: int, seed: int = 1) -> Day:
    return Day(FIRST + timedelta(days=index), seed, SCALE, FIRST)


def parsed(file) -> list[dict]:
    """The good rows of a file in contract field names, through the platform's header mapping."""
    platform = file.name.split("-")[0]
    mapping = CONTRACT.variants[platform]
    good = [r.text for r in file.records if not r.bad_reason]
    return [{mapping[column]: value for column, value in row.items()} for row in csv.DictReader([file.header, *good])]


def test_same_day_same_text_and_another_seed_another():
    def texts(d: Day) -> list[str]:
        return [f.name + r.text for f in ad_spend.deliver(d) for r in f.records]

    assert texts(day(2)) == texts(day(2))
    assert texts(day(2)) != texts(day(2, seed=2))


def test_each_platform_in_its_own_words_one_row_per_campaign():
    d = day(0)
    files = ad_spend.deliver(d)
    assert sorted(f.name for f in files) == sorted(f"{p}-{d.day.isoformat()}.csv" for p in CONTRACT.variants)
    for file in files:
        platform = file.name.split("-")[0]
        assert file.header.split(",") == list(CONTRACT.variants[platform])
        rows = parsed(file)
        assert sorted(r["campaign_id"] for r in rows) == sorted(
            c.campaign_id for c in campaigns(d.seed) if c.platform == platform)
        keys = [r.key for r in file.records if not r.bad_reason]
        assert keys == [f"{platform}|{r['campaign_id']}|{d.day.isoformat()}" for r in rows]
        for row in rows:
            assert "platform" not in row and row["spend_date"] == d.day.isoformat()
            assert MONEY.match(row["spend_yuan"]) and Decimal(row["spend_yuan"]) >= 1
            assert 0 <= int(row["clicks"]) <= int(row["impressions"])
    assert parsed(next(f for f in files if f.name.startswith("douyin")))[0].keys() == {
        "spend_date", "campaign_id", "campaign_name", "impressions", "clicks", "spend_yuan"}
    assert files[0].header == "日期,计划ID,计划名称,展示数,点击数,消耗(元)"


def test_corrections_redeliver_yesterday_under_the_same_name_with_other_figures():
    assert ad_spend.truth(day(0)) == {"corrections": []}
    for index in range(1, 6):
        yesterday = {f.name: parsed(f) for f in ad_spend.deliver(day(index - 1))}
        today = {f.name: parsed(f) for f in ad_spend.deliver(day(index))}
        corrections = ad_spend.truth(day(index))["corrections"]
        assert 1 <= len(corrections) <= 2
        redelivered = {f"{c['platform']}-{c['spend_date']}.csv" for c in corrections}
        assert redelivered == set(yesterday) & set(today)
        for name in redelivered:
            assert [r["campaign_id"] for r in today[name]] == [r["campaign_id"] for r in yesterday[name]]
            pairs = zip(today[name], yesterday[name], strict=True)
            assert all(new["spend_yuan"] != old["spend_yuan"] for new, old in pairs)


def test_bad_rows_stay_under_the_quarantine_share_and_cover_every_kind_in_ten_days():
    reasons = set()
    for index in range(10):
        records = [r for f in ad_spend.deliver(day(index)) for r in f.records]
        bad = [r for r in records if r.bad_reason]
        assert len(bad) <= CONTRACT.max_quarantine_share * len(records)
        reasons |= {r.bad_reason for r in bad}
    missing = {f"{Reason.MISSING_REQUIRED}:{f}" for f in ("spend_date", "campaign_id", "spend_yuan")}
    broken = {f"{kind}:{f}" for kind in (Reason.OUT_OF_RANGE, Reason.BAD_TYPE) for f in ("impressions", "clicks",
                                                                                          "spend_yuan")}
    assert reasons == {Reason.MALFORMED_CSV, *missing, *broken}
