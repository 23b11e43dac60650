"""flagd: `opsbook export flagd` writes files that flagd's published schema accepts and that
flagd's own evaluator serves as the handbook says; `opsbook import flagd` reads flag
files in every form flagd takes, keeps what it cannot map in view, never overwrites, and
export → import → export gives back the same bytes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openfeature.contrib.tools.flagd.core import FlagdCore
from openfeature.evaluation_context import EvaluationContext
from referencing import Registry, Resource

from helpers import copy_example, opsbook, starter
from test_prometheus_import import assert_refused, snapshot

HERE = Path(__file__).parent
FIXTURES = HERE / "flagd"
INPUTS = sorted(p for p in FIXTURES.iterdir() if p.suffix in (".json", ".yaml"))
SCHEMAS = HERE / "upstream" / "flagd-schemas"
FLAGD_CONFIG = "https://flagd.dev/schema/v0/flags.json#/definitions/flagdConfig"

FLAGS = """\
apiVersion: opsbook/v1
service: shop
flags:
  - id: CHECKOUT_ENABLED
    type: boolean
    purpose: kill-switch
    served_by: flag-system
    description: Turns checkout off.
    default: true
    when_off: The cart shows a maintenance note.
    kill:
      value: false
      command: ./flags set CHECKOUT_ENABLED --default-variant off --no-targeting
  - id: new-search
    type: percentage
    purpose: release
    served_by: flag-system
    description: Share of shoppers who get the new search.
    default: 10
  - id: ranking
    type: boolean
    purpose: release
    served_by: flag-system
    description: New ranking for a quarter of the shoppers, by e-mail.
    default: true
    rollout_percentage: 25
    bucketing: {by: the shopper's e-mail, key: email}
  - id: beta-shoppers
    type: allowlist
    purpose: release
    served_by: flag-system
    description: Shoppers who see the beta.
    default: ann@shop.example, bob@shop.example
    bucketing: {key: email}
  - id: checkout-layout
    type: enum
    purpose: experiment
    served_by: flag-system
    description: Three layouts, split 50/30/20.
    default: classic
    variants:
      - {name: classic, value: classic, weight: 50}
      - {name: compact, value: compact, weight: 30}
      - {name: steps, value: three-steps, weight: 20}
  - id: RECOMMENDER_URL
    type: string
    purpose: kill-switch
    served_by: flag-system
    description: Where recommendations come from; empty turns them off.
    default: https://reco.shop.example/v2
    when_off: No recommendations are shown.
    kill:
      value: ""
      command: ./flags set RECOMMENDER_URL --default-variant kill --no-targeting
  - id: page-size
    type: number
    purpose: ops
    served_by: flag-system
    description: Products per page.
    default: 24
    metadata: {unit: products, reviewed: true}
  - id: limits
    type: enum
    purpose: ops
    served_by: flag-system
    description: Cart limits.
    default: {items: 50}
    variants:
      - {name: standard, value: {items: 50}}
      - {name: large, value: {items: 500, value: 9000.5}}
    targeting: {"if": [{"starts_with": [{"var": "plan"}, "pro"]}, "large", null]}
  - id: old-banner
    type: boolean
    purpose: release
    served_by: flag-system
    state: disabled
    description: The old banner, switched off in the flag system.
    default: false
  - id: LOG_LEVEL
    type: enum
    purpose: ops
    served_by: environment
    description: Log level.
    default: info
    variants: [{value: info}, {value: debug}]
  - id: SEARCH_TIMEOUT
    type: number
    purpose: ops
    description: Search timeout in seconds (where it lives is not said).
    default: 3
"""


def shop(tmp_path: Path, name: str = "shop") -> Path:
    root = starter(tmp_path / name)  # the starter's service is `shop`
    (root / "ops" / "shop.flags.yaml").write_text(FLAGS, "utf-8")
    return root


def exported(root: Path, out: str = "flags.flagd.json") -> dict[str, Any]:
    done = opsbook(root, "export", "flagd", "--out", out)
    assert done.returncode == 0, done.stderr
    text = (root / out).read_text("utf-8")
    validate_flagd(json.loads(text))
    return json.loads(text)


@cache
def registry() -> Registry:
    resources = []
    for name in ("flags.json", "targeting.json", "flagd.json"):
        schema = json.loads((SCHEMAS / name).read_text("utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


def validate_flagd(document: Any) -> None:
    """Validate against flagd's published schema (draft-07), offline."""
    validator = jsonschema.Draft7Validator({"$ref": FLAGD_CONFIG}, registry=registry())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def evaluator(document: dict[str, Any]) -> FlagdCore:
    core = FlagdCore()
    core.set_flags(json.dumps(document))
    return core


def served(core: FlagdCore, key: str, kind: str, default: Any, **context: Any) -> Any:
    targeting_key = context.pop("targeting_key", None)
    ctx = EvaluationContext(targeting_key, context)
    resolve = getattr(core, f"resolve_{kind}_value")
    return resolve(key, default, ctx).value


# --- the schema ---------------------------------------------------------------------------


def test_vendored_schemas_reject_what_is_not_flagd() -> None:
    """The check can fail: flagd's schema refuses a flag without state or mixed variants."""
    with pytest.raises(AssertionError):
        validate_flagd({"flags": {"x": {"variants": {"on": True}}}})
    with pytest.raises(AssertionError):
        validate_flagd({"flags": {"x": {"state": "ENABLED", "variants": {"a": True, "b": "s"}}}})


@pytest.mark.slow
def test_every_export_is_valid_flagd(tmp_path: Path) -> None:
    """The fixture handbook, the example and every imported fixture export valid files."""
    document = exported(shop(tmp_path))
    assert document["$schema"] == "https://flagd.dev/schema/v0/flags.json"
    assert sorted(document["flags"]) == sorted(
        ["CHECKOUT_ENABLED", "new-search", "ranking", "beta-shoppers", "checkout-layout",
         "RECOMMENDER_URL", "page-size", "limits", "old-banner"]
    )  # fmt: skip
    example = exported(copy_example(tmp_path / "example"))
    assert sorted(example["flags"]) == sorted(
        ["complete_context", "high_temperature", "enhanced_fallbacks", "production_monitoring",
         "comprehensive_engines", "genre_engines", "beta_features"]
    )  # fmt: skip
    root = starter(tmp_path / "imported")
    done = opsbook(root, "import", "flagd", *map(str, INPUTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(exported(root)["flags"]) == 10


def test_the_mapping_of_each_kind_of_flag(tmp_path: Path) -> None:
    """What each handbook flag becomes in flagd: variants, default variant, targeting."""
    flags = exported(shop(tmp_path))["flags"]
    assert flags["CHECKOUT_ENABLED"] == {
        "state": "ENABLED", "variants": {"on": True, "off": False}, "defaultVariant": "on"
    }  # fmt: skip
    assert flags["new-search"]["targeting"] == {"fractional": [["on", 10], ["off", 90]]}
    assert flags["new-search"]["defaultVariant"] == "off"
    assert flags["ranking"]["targeting"] == {
        "fractional": [{"cat": [{"var": "$flagd.flagKey"}, {"var": "email"}]}, ["on", 25],
                       ["off", 75]]
    }  # fmt: skip
    assert flags["checkout-layout"]["variants"] == {
        "classic": "classic", "compact": "compact", "steps": "three-steps"
    }  # fmt: skip
    assert flags["RECOMMENDER_URL"]["variants"] == {
        "default": "https://reco.shop.example/v2", "kill": ""
    }  # fmt: skip
    assert flags["page-size"]["metadata"] == {"reviewed": True, "unit": "products"}
    assert flags["limits"]["targeting"]["if"][1] == "large"
    assert flags["old-banner"]["state"] == "DISABLED"


def test_env_flags_are_listed_as_not_exported(tmp_path: Path) -> None:
    """Flags served by the environment or not said to be served by a flag system are
    named, with why, and left out."""
    done = opsbook(shop(tmp_path), "export", "flagd")
    assert done.returncode == 0, done.stderr
    assert "not exported: flag `LOG_LEVEL` (shop): an environment variable" in done.stderr
    assert "not exported: flag `SEARCH_TIMEOUT` (shop): no `served_by: flag-system`" in done.stderr
    assert "not exported: flag `SHOP_RECOMMENDATIONS` (shop): an environment" in done.stderr
    assert "9 flag(s) exported, 3 not served by a flag system" in done.stderr


def test_the_example_says_what_serves_each_flag(tmp_path: Path) -> None:
    """The seeds: cinematic's flags live in its flag manager; the others are env vars."""
    done = opsbook(copy_example(tmp_path / "example"), "export", "flagd", "--out", "f.json")
    assert done.returncode == 0, done.stderr
    left_out = [line for line in done.stderr.splitlines() if "not exported" in line]
    assert len(left_out) == 12
    assert all(line.endswith("an environment variable") for line in left_out), left_out


def test_exports_are_deterministic_and_replace_only_their_own_file(tmp_path: Path) -> None:
    """The same handbook gives the same bytes; a file a person wrote is never replaced."""
    root = shop(tmp_path)
    exported(root)
    first = (root / "flags.flagd.json").read_bytes()
    exported(root)
    assert (root / "flags.flagd.json").read_bytes() == first
    mine = root / "mine.json"
    mine.write_text('{"flags": {}}', "utf-8")
    done = opsbook(root, "export", "flagd", "--out", "mine.json")
    assert done.returncode == 1
    assert "not written by `opsbook export flagd`; not replaced" in done.stderr
    assert mine.read_text("utf-8") == '{"flags": {}}'


# --- the evaluator ------------------------------------------------------------------------


def test_a_kill_switch_serves_its_off_value(tmp_path: Path) -> None:
    """Killed the flagd way (default variant set to the one holding the kill value, no
    targeting), the switch serves the kill value to everyone."""
    flags = exported(shop(tmp_path))["flags"]
    for key, kind, on, off in (
        ("CHECKOUT_ENABLED", "boolean", True, False),
        ("RECOMMENDER_URL", "string", "https://reco.shop.example/v2", ""),
    ):
        flag = flags[key]
        core = evaluator({"flags": {key: flag}})
        assert served(core, key, kind, off, targeting_key="u1") == on
        kill = next(name for name, value in flag["variants"].items() if value == off)
        killed = {**flag, "defaultVariant": kill}
        killed.pop("targeting", None)
        core = evaluator({"flags": {key: killed}})
        assert {served(core, key, kind, on, targeting_key=f"u{i}") for i in range(100)} == {off}


def test_an_allowlist_serves_the_listed_users_only(tmp_path: Path) -> None:
    core = evaluator(exported(shop(tmp_path)))
    assert served(core, "beta-shoppers", "boolean", False, email="bob@shop.example") is True
    assert served(core, "beta-shoppers", "boolean", True, email="eve@shop.example") is False
    assert served(core, "beta-shoppers", "boolean", True) is False


def test_a_percentage_serves_its_share_of_10000_keys(tmp_path: Path) -> None:
    """10 % ± 1 of 10,000 targeting keys get the 10 % flag; weights 50/30/20 likewise."""
    core = evaluator(exported(shop(tmp_path)))
    keys = [f"shopper-{i}" for i in range(10_000)]
    on = sum(served(core, "new-search", "boolean", False, targeting_key=k) for k in keys)
    assert 900 <= on <= 1100, on
    ranked = sum(served(core, "ranking", "boolean", False, email=f"{k}@x") for k in keys)
    assert 2400 <= ranked <= 2600, ranked
    layouts = [served(core, "checkout-layout", "string", "", targeting_key=k) for k in keys]
    for value, share in (("classic", 5000), ("compact", 3000), ("three-steps", 2000)):
        assert share - 100 <= layouts.count(value) <= share + 100, (value, layouts.count(value))


def test_a_disabled_flag_serves_the_code_default(tmp_path: Path) -> None:
    core = evaluator(exported(shop(tmp_path)))
    assert served(core, "old-banner", "boolean", True, targeting_key="u") is True


# --- import -------------------------------------------------------------------------------


def flagd_documents(path: Path) -> dict[str, Any]:
    """A fixture as flagd reads it: flags by key, shared rules resolved, the set's
    metadata merged into each flag's."""
    text = path.read_text("utf-8")
    document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    flags = document["flags"]
    if isinstance(flags, list):
        flags = {flag["key"]: {k: v for k, v in flag.items() if k != "key"} for flag in flags}
    shared = document.get("$evaluators", {})

    def resolve(rule: Any) -> Any:
        if isinstance(rule, dict):
            if set(rule) == {"$ref"}:
                return resolve(shared[rule["$ref"]])
            return {k: resolve(v) for k, v in rule.items()}
        return [resolve(v) for v in rule] if isinstance(rule, list) else rule

    out = {}
    for key, flag in flags.items():
        flag = {k: resolve(v) for k, v in flag.items()}
        metadata = {**document.get("metadata", {}), **flag.get("metadata", {})}
        if metadata:
            flag["metadata"] = metadata
        out[key] = flag
    return out


def import_fixtures(tmp_path: Path, name: str = "imported") -> tuple[Path, Any]:
    root = starter(tmp_path / name)
    done = opsbook(root, "import", "flagd", *map(str, INPUTS))
    return root, done


def test_import_then_export_gives_back_the_same_flags(tmp_path: Path) -> None:
    """Every flag of the fixtures comes back with the same state, variants, default
    variant, targeting and metadata, and flagd serves the same to every context."""
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "imported 10 flag(s) from 2 file(s)" in done.stderr
    back = exported(root)["flags"]
    original: dict[str, Any] = {}
    for path in INPUTS:
        original.update(flagd_documents(path))
    assert back == original
    before, after = evaluator({"flags": original}), evaluator({"flags": back})
    contexts = [
        {"targeting_key": f"k{i}", "email": f"p{i}@shop.example" if i % 3 else f"p{i}@x.org",
         "appVersion": f"2.{i % 6}.0", "platform": "ios" if i % 2 else "web",
         "region": "eu-west" if i % 4 else "us-east", "merchantId": f"m-{i * 100 % 700}"}
        for i in range(300)
    ]  # fmt: skip
    kinds = {"checkout-enabled": ("boolean", False), "new-search": ("boolean", False),
             "theme": ("string", ""), "cart-limits": ("object", {}),
             "retry-count": ("float", 0.0), "fraud-model": ("string", ""),
             "new-psp": ("boolean", False), "payout-batch-size": ("integer", 0)}  # fmt: skip
    for key, (kind, default) in kinds.items():
        for context in contexts:
            assert served(before, key, kind, default, **dict(context)) == served(
                after, key, kind, default, **dict(context)
            ), (key, context)


def through_flagd(tmp_path: Path, root: Path, name: str) -> tuple[bytes, bytes]:
    """`root`'s export, and the export of a new handbook that imported it."""
    exported(root)
    again = starter(tmp_path / name)
    done = opsbook(again, "import", "flagd", str(root / "flags.flagd.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    exported(again)
    return (root / "flags.flagd.json").read_bytes(), (again / "flags.flagd.json").read_bytes()


@pytest.mark.slow
def test_export_import_export_is_byte_identical(tmp_path: Path) -> None:
    """The handbook's flags through flagd and back: the second export equals the first;
    so for the flags imported from the fixtures."""
    first, second = through_flagd(tmp_path, shop(tmp_path), "again")
    assert first == second
    root, done = import_fixtures(tmp_path, "fixtures")
    assert done.returncode == 0, done.stderr
    first, second = through_flagd(tmp_path, root, "third")
    assert first == second


def test_what_the_import_writes(tmp_path: Path) -> None:
    """Flags by flag set, ids from keys, weights from a plain split, rules kept as data,
    the imported mark; what has no place is listed."""
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 0, done.stderr
    shop_file = yaml.safe_load((root / "ops" / "shop.flags.yaml").read_text("utf-8"))
    payments = yaml.safe_load((root / "ops" / "payments.flags.yaml").read_text("utf-8"))
    flags = {f["id"]: f for f in shop_file["flags"] + payments["flags"]}
    assert flags["promo-code-field"]["key"] == "Promo Code Field"
    assert flags["promo-code-field"]["type"] == "string"
    assert flags["new-search"]["variants"] == [
        {"name": "on", "value": True, "weight": 10}, {"name": "off", "value": False, "weight": 90}
    ]  # fmt: skip
    assert "targeting" not in flags["new-search"]
    assert flags["fraud-model"]["bucketing"] == {"key": "merchantId"}
    assert flags["theme"]["targeting"]["if"][2] == {
        "ends_with": [{"var": "email"}, "@shop.example"]
    }  # the shared rule, resolved
    assert flags["legacy-banner"]["state"] == "disabled"
    assert flags["retry-count"]["type"] == "enum"
    assert flags["cart-limits"]["default"] == {"items": 50, "value": 2000}
    assert flags["checkout-enabled"]["metadata"] == {
        "flagSetId": "shop", "version": "7", "team": "payments", "kill": True
    }  # fmt: skip
    assert all(f["served_by"] == "flag-system" and f["imported"]["from"] == "flagd"
               for f in flags.values())  # fmt: skip
    assert "services" not in shop_file  # the starter's `shop`
    assert payments["services"][0]["id"] == "payments"
    assert payments["services"][0]["owner"] == "owner-not-known"  # no --owner: not a guess
    listed = opsbook(root, "validate")
    assert listed.returncode == 0, listed.stdout
    assert "imported-placeholder" in listed.stdout


def test_importing_again_overwrites_nothing(tmp_path: Path) -> None:
    """The second import reports each flag as defined (and how it differs), writes none."""
    root, done = import_fixtures(tmp_path)
    assert done.returncode == 0, done.stderr
    before = snapshot(root / "ops")
    changed = tmp_path / "shop.flagd.json"
    document = json.loads((FIXTURES / "shop.flagd.json").read_text("utf-8"))
    document["flags"]["checkout-enabled"]["defaultVariant"] = "off"
    document["flags"]["brand-new"] = {"state": "ENABLED", "variants": {"x": "y"},
                                      "defaultVariant": "x"}  # fmt: skip
    changed.write_text(json.dumps(document), "utf-8")
    again = opsbook(root, "import", "flagd", str(changed), str(FIXTURES / "payments.flagd.yaml"))
    assert again.returncode == 0, again.stderr
    assert (
        "flag `checkout-enabled` is already defined at ops/shop.flags.yaml:" in again.stdout
        and 'defaultVariant `"off"` in the file, `"on"` in the handbook' in again.stdout
    ), again.stdout
    assert "flag `new-psp` is already defined" in again.stdout
    assert "the file serves it the same" in again.stdout
    after = snapshot(root / "ops")
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"shop-2.flags.yaml"}
    assert "brand-new" in after["shop-2.flags.yaml"].decode()


BAD = {
    "rules.yaml": ("groups:\n  - name: x\n    rules: []\n", "1:1", "not a flagd flag file"),
    "state.json": ('{"flags": {"a": {"state": "ON", "variants": {"x": true}}}}', "1:27",
                   "`state` is `ON`, not ENABLED or DISABLED"),
    "mixed.json": ('{"flags": {"a": {"state": "ENABLED",\n "variants": {"x": true, "y": "s"}}}}',
                   "2:31", "variant `y` is a string; the others are booleans"),
    "ref.json": ('{"flags": {"a": {"state": "ENABLED", "variants": {"x": true},\n'
                 ' "targeting": {"if": [{"$ref": "nope"}, "x", null]}}}}', "2:32",
                 "no evaluator `nope` in `$evaluators`"),
    "empty-key.json": ('{"flags": {"": {"state": "ENABLED", "variants": {"x": true}}}}', "1:12",
                       "a flag key is empty"),
    "cycle.yaml": ("$evaluators:\n  a: {$ref: b}\n  b: {or: [{$ref: a}]}\nflags:\n  f:\n"
                   "    state: ENABLED\n    variants: {x: 1}\n    targeting: {$ref: a}\n",
                   "3:19", "flag `f`: evaluator `a` refers to itself"),
    "default.yaml": ("flags:\n  a:\n    state: ENABLED\n    variants: {x: 1}\n"
                     "    defaultVariant: y\n", "5:21", "`defaultVariant` `y` is not one of"),
    "list.yaml": ("flags:\n  - state: ENABLED\n    variants: {x: 1}\n", "2:5",
                  "a flag in the `flags` list without a `key`"),
    "syntax.json": ('{"flags": {', "1:12", "invalid YAML"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_flag_files_are_positioned_errors_and_nothing_is_written(
    tmp_path: Path, name: str
) -> None:
    text, where, message = BAD[name]
    assert_refused(
        tmp_path,
        "flagd",
        FIXTURES / "shop.flagd.json",
        (name, text),
        "flag-file",
        f"{where}: {message}",
    )


def test_variants_are_checked(tmp_path: Path) -> None:
    """A flag system serves variants by name: a missing or repeated name, mixed kinds of
    values and an all-zero split are positioned errors."""
    root = shop(tmp_path)
    (root / "ops" / "bad.flags.yaml").write_text(
        "apiVersion: opsbook/v1\nservice: shop\nflags:\n"
        "  - id: a\n    type: enum\n    purpose: ops\n    description: A.\n    default: x\n"
        "    variants:\n      - {name: one, value: x, weight: 0}\n"
        "      - {name: one, value: 2, weight: 0}\n      - {value: z}\n",
        "utf-8",
    )
    done = opsbook(root, "validate")
    assert done.returncode == 1
    out = done.stdout
    assert "bad.flags.yaml:11:16: error [flag-variants] flag `a` variant `one`: a second" in out
    assert "bad.flags.yaml:11:28: error [flag-variants] flag `a` variant: `2` is a number" in out
    assert "bad.flags.yaml:12:9: error [flag-variants] flag `a` variant: a name is given" in out
    assert "bad.flags.yaml:10:7: error [flag-variants] flag `a`: every variant's weight is 0" in out


def test_the_flags_page_shows_what_a_flag_system_serves(tmp_path: Path) -> None:
    """Served by, state, named variants with their shares, metadata and targeting."""
    root = shop(tmp_path)
    done = opsbook(root, "generate")
    assert done.returncode == 0, done.stderr
    page = (root / "runbooks" / "flags.md").read_text("utf-8")
    assert "| Served by | a flag system, evaluated at run time |" in page
    assert "`classic` = `classic` (50%); `compact` = `compact` (30%)" in page
    assert "disabled** there, so the code's own default applies" in page
    assert "| Metadata | `unit`: `products`, `reviewed`: `true` |" in page
    assert '```json\n{\n  "if": [\n    {\n      "starts_with"' in page
    assert "| Served by | an environment variable, read by the process |" in page
