"""OneID scored against the truth: pairwise precision and recall over identifiers, and B-cubed.

The truth (``<truth>/identity.csv`` and the users deliveries' newcomers) holds raw phones and emails;
silver holds their HMAC tokens, so the truth is tokenised here with Python's ``hmac`` (the platform uses a
JVM function: two implementations that must agree). The resolution is read from the published Delta table with
delta-rs, not Spark. Only identifiers both sides know are scored; an identifier of nobody (a hub)
and one without a customer each count as a cluster of their own.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ecomgen import manifests
from ecomgen.lake import read_table
from ecomlake import storage
from ecomlake.config import Settings
from ecomlake.pii import KEY_ENV
from ecomlake.private_files import secret_once

Identifier = tuple[str, str]  # (identifier type, identifier as silver holds it)


@dataclass(frozen=True)
class IdentityScores:
    pairwise_precision: float
    pairwise_recall: float
    b3_precision: float
    b3_recall: float
    identifiers: int  # scored: known to the truth and to the resolution
    truth_seen: float  # share of the truth's identifiers the sources delivered

    @property
    def b3_f1(self) -> float:
        return _f1(self.b3_precision, self.b3_recall)

    @property
    def pairwise_f1(self) -> float:
        return _f1(self.pairwise_precision, self.pairwise_recall)

    def render(self) -> str:
        return (f"pairwise precision {self.pairwise_precision:.4f}, recall {self.pairwise_recall:.4f}; "
                f"B³ precision {self.b3_precision:.4f}, recall {self.b3_recall:.4f}, F1 {self.b3_f1:.4f} "
                f"({self.identifiers} identifiers; {self.truth_seen:.0%} of the truth's seen in the sources)")


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(predicted: dict[Identifier, str | None], truth: dict[Identifier, str]) -> IdentityScores:
    """Compare clusterings: ``predicted`` maps to a customer key (None: alone), ``truth`` to a person ("": alone)."""
    scored = sorted(predicted.keys() & truth.keys())

    def cluster(labels: dict[Identifier, str | None], key: Identifier, side: str) -> tuple:
        label = labels[key]
        return (side, label) if label else (side, "alone", key)

    pred = {k: cluster(predicted, k, "p") for k in scored}
    true = {k: cluster(truth, k, "t") for k in scored}
    both = Counter((pred[k], true[k]) for k in scored)
    pred_sizes, true_sizes = Counter(pred.values()), Counter(true.values())
    together = sum(_pairs(n) for n in both.values())
    predicted_pairs, true_pairs = sum(map(_pairs, pred_sizes.values())), sum(map(_pairs, true_sizes.values()))
    n = len(scored) or 1
    return IdentityScores(
        pairwise_precision=together / predicted_pairs if predicted_pairs else 1.0,
        pairwise_recall=together / true_pairs if true_pairs else 1.0,
        b3_precision=sum(c * c / pred_sizes[p] for (p, _), c in both.items()) / n,
        b3_recall=sum(c * c / true_sizes[t] for (_, t), c in both.items()) / n,
        identifiers=len(scored),
        truth_seen=len(scored) / len(truth) if truth else 0.0,
    )


def normalized_phone(raw: str) -> str:
    """As silver normalises a phone before its token: digits only, without a leading 86 on 13 digits."""
    digits = re.sub(r"[^0-9]", "", raw)
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


def tokeniser(cfg: Settings) -> dict[str, Callable[[str], str]]:
    """The keyed token silver gives a phone and an email (normalised as silver normalises them), by PII kind."""
    key = (os.environ.get(KEY_ENV) or secret_once(cfg.var_dir / "secrets" / "hmac.key")).encode()  # as pii.py

    def token(value: str) -> str:
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    return {"phone": lambda raw: token(normalized_phone(raw)), "email": lambda raw: token(raw.strip().lower())}


def truth(cfg: Settings) -> dict[Identifier, str]:
    """``<truth>/identity.csv`` as silver would name each identifier: (type, identifier) → person ("" = nobody);
    then the strangers who registered with a recycled number so far (the number is theirs now)."""
    tokenise = tokeniser(cfg)

    def named(kind: str, value: str) -> Identifier:
        return kind, tokenise.get(kind, str)(value)

    text = storage.at(cfg.truth_root).read_text("identity.csv")
    people = {named(row["identifier_type"], row["identifier"]): row["person_id"]
              for row in csv.DictReader(io.StringIO(text))}
    for manifest in manifests(cfg, "users"):
        for newcomer in manifest.get("registered_with_recycled_number", []):
            people.update({named(kind, newcomer[kind]): newcomer["person_id"]
                           for kind in ("user_id", "phone", "email", "wechat_unionid") if newcomer[kind]})
    return people


def resolved(cfg: Settings, database: str = "silver") -> dict[Identifier, str | None]:
    """``<database>.identity_map`` (the published one by default), read with delta-rs: (type, identifier) →
    customer key."""
    table = read_table(cfg, database, "identity_map", ["identifier_type", "identifier", "customer_key"])
    return {(t, i): k for t, i, k in zip(table["identifier_type"], table["identifier"], table["customer_key"],
                                         strict=True)}


def identity_scores(cfg: Settings, database: str = "silver") -> IdentityScores:
    return score(resolved(cfg, database), truth(cfg))
