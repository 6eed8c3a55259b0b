#!/usr/bin/env python3
"""Derive (and check) the token/field mapping of our openstack bridge build
from the pulumi_openstack Python SDK, which is the contract.

  gen_openstack_mapping.py gen   SDK.json DUMP.json > openstack/mapping.json
  gen_openstack_mapping.py check SDK.json DUMP.json      # exit 1 on mismatch

SDK.json:  sdk_extract.py output for the pinned pulumi_openstack wheel.
DUMP.json: `pulumi-resource-openstack -osbp-dump-tf` (Terraform schema with
           the Pulumi names the bridge derives: "auto" without overrides,
           "pulumi" with the embedded mapping applied).

Token matching: SDK token openstack:<mod>/<member>:<Name> <-> Terraform
openstack_<mod>_<name>[_vN] by normalised name (with and without the _vN
suffix; data sources drop the "get" prefix; tokens in module "index" match
the whole Terraform name); the few irregular ones are in IRREGULAR below.
Field names: the bridge's derived name is kept when the SDK has it;
otherwise the SDK name that matches the Terraform name (singular/plural) is
set explicitly; MaxItemsOne is set where the SDK's list-ness differs from
the Terraform schema's MaxItems==1.
"""

import json
import re
import sys

# SDK token -> Terraform name, where the names do not follow the pattern.
IRREGULAR = {
    "openstack:blockstorage/quoteSetV3:QuoteSetV3": "openstack_blockstorage_quotaset_v3",
    "openstack:objectstorage/containerObject:ContainerObject": "openstack_objectstorage_object_v1",
    "openstack:sharedfilesystem/getAvailbilityZones:getAvailbilityZones": (
        "openstack_sharedfilesystem_availability_zones_v2"
    ),
    # As upstream: the deprecated data source (its DeprecationMessage: "Use
    # openstack_lb_flavor_v2 instead.") is the SDK's getLbFlavorDeprecated, and the
    # current one is getFlavorV2 (not matchable by name: both normalise alike).
    "openstack:loadbalancer/getLbFlavorDeprecated:getLbFlavorDeprecated": (
        "openstack_loadbalancer_flavor_v2"
    ),
    "openstack:loadbalancer/getFlavorV2:getFlavorV2": "openstack_lb_flavor_v2",
}
# SDK module -> Terraform name prefix, where they differ.
MODULE_ALIASES = {"database": "db", "firewall": "fw", "loadbalancer": "lb"}
# (Terraform name, Terraform field) -> SDK wire name, where not derivable.
FIELD_IRREGULAR = {
    ("openstack_orchestration_stack_v1", "outputs"): "StackOutputs",
}
# A second SDK token for one Terraform name (legacy module layout, e.g.
# openstack:index/bgpvpnV2 and openstack:bgpvpn/v2) is served through an
# alias key "<tf>_alias_<name>" that the binary registers as a copy of the
# Terraform resource (bridgeinfo.Apply, "aliasOf").


def norm(s):
    return re.sub(r"[^a-z0-9]", "", s.lower())


def tf_keys(tf):
    rest = tf[len("openstack_") :]
    keys = {norm(rest)}
    nov = re.sub(r"_v\d+$", "", rest)
    keys.add(norm(nov))
    return keys


def tok_keys(tok, function):
    mod, _member = tok.split(":")[1].split("/")
    name = tok.split(":")[2]
    if function and name.startswith("get"):
        name = name[3:]
    keys = set()
    if mod != "index":
        keys.add(norm(mod + name))
        if mod in MODULE_ALIASES:
            keys.add(norm(MODULE_ALIASES[mod] + name))
    keys.add(norm(name))
    return keys


def match_tokens(sdk_toks, tf_names, function):
    out, unmatched = {}, []
    by_key = {}
    for tf in tf_names:
        for k in tf_keys(tf):
            by_key.setdefault(k, []).append(tf)
    used = set()
    for tok in sorted(sdk_toks):
        if tok in IRREGULAR:
            out[tok] = IRREGULAR[tok]
            continue
        mod = tok.split(":")[1].split("/")[0]
        cands = []
        for k in tok_keys(tok, function):
            cands += by_key.get(k, [])
        # prefer a candidate in the same module
        prefixes = (f"openstack_{mod}_", f"openstack_{MODULE_ALIASES.get(mod, mod)}_")
        cands = sorted(
            set(cands),
            key=lambda t: (not t.startswith(prefixes[0]), not t.startswith(prefixes[1]), t),
        )
        if mod == "index":
            cands = [
                t for t in cands if norm(t[len("openstack_") :]) in tok_keys(tok, function)
            ] or cands
        cands = [c for c in cands if c not in used] or cands
        if cands:
            out[tok] = cands[0]
            used.add(cands[0])
        else:
            unmatched.append(tok)
    return out, unmatched


def plural_forms(n):
    return {
        n,
        n + "s",
        n + "es",
        n[:-1] + "ies" if n.endswith("y") else n,
        n[:-1] if n.endswith("s") else n,
    }


def fields_for(tf_fields, sdk_props, types, path, problems, check, ctx):
    """Return overrides {tf: Field} for one object level."""
    over = {}
    sdk_names = set(sdk_props) - ({"urn"} if "id" in tf_fields else {"id", "urn"})
    matched = set()
    # first pass: names the bridge already derives correctly
    for f in tf_fields.values():
        name = f["pulumi"] if check else f["auto"]
        if name in sdk_names:
            matched.add(name)
    for k, f in sorted(tf_fields.items()):
        name = f["pulumi"] if check else f["auto"]
        o = {}
        sdk_name = name if name in sdk_names else None
        irr = FIELD_IRREGULAR.get((ctx.get("tf"), k)) if "." not in path else None
        if irr and irr in sdk_names and name != irr:
            sdk_name = irr
            matched.add(irr)
            o["name"] = irr
            if check:
                problems.append(f"{path}.{k}: bridge name {name}, SDK {irr}")
        if sdk_name is None:
            cands = [s for s in sdk_names - matched if norm(s) in plural_forms(norm(k))]
            if len(cands) == 1:
                sdk_name = cands[0]
                matched.add(sdk_name)
                o["name"] = sdk_name
                if check:
                    problems.append(f"{path}.{k}: bridge name {name}, SDK {sdk_name}")
            else:
                if not f.get("computed") or f.get("required") or f.get("optional"):
                    ctx["tf_only"].append(f"{path}.{k}")
                continue
        p = sdk_props[sdk_name]
        if f["type"] in ("List", "Set"):
            sdk_one = not p["seq"]
            if check:
                # The binary's shape (after the mapping's overrides) must be the SDK's.
                if bool(f.get("flat")) != sdk_one:
                    problems.append(
                        f"{path}.{k}: binary serves "
                        f"{'a single value' if f.get('flat') else 'a list'}, "
                        f"SDK has {'a single value' if sdk_one else 'a list'}"
                    )
            elif (f.get("maxItems") == 1) != sdk_one:
                o["maxItemsOne"] = sdk_one
                o["name"] = sdk_name
        is_block = f["type"] in ("List", "Set") and f.get("fields") is not None
        if is_block:
            sub_sdk = types.get(p["type"] or "", {})
            if p["type"] and not sub_sdk:
                problems.append(f"{path}.{k}: SDK type {p['type']} not found")
            sub = fields_for(f["fields"], sub_sdk, types, path + "." + k, problems, check, ctx)
            if sub:
                o["elem"] = {"fields": sub}
        if o:
            over[k] = o
    for s in sorted(sdk_names - matched):
        problems.append(f"{path}: SDK property {s} has no Terraform field")
    return over


def main():
    mode, sdk_path, dump_path = sys.argv[1:4]
    with open(sdk_path) as sdk_file, open(dump_path) as dump_file:
        sdk = json.load(sdk_file)
        dump = json.load(dump_file)
    check = mode == "check"
    problems = []
    ctx = {"tf_only": []}
    out = {
        "comment": "Generated by gen_openstack_mapping.py from the pulumi_openstack SDK and "
        "the terraform-provider-openstack schema; do not edit by hand.",
        "config": {},
        "resources": {},
        "dataSources": {},
    }
    out["config"] = fields_for(
        dump["config"], sdk["config"], sdk["types"], "config", problems, check, ctx
    )
    for kind, sdk_kind, function in (
        ("resources", "resources", False),
        ("dataSources", "functions", True),
    ):
        tf_names = [t for t in dump[kind] if "_alias_" not in t]
        toks, unmatched = match_tokens(sdk[sdk_kind], tf_names, function)
        for tok in unmatched:
            problems.append(f"{tok}: no Terraform {kind} matches")
        seen = {}
        # primary token first: not in module "index"
        for tok, tf in sorted(toks.items(), key=lambda kv: (":index/" in kv[0], kv[0])):
            key, alias_of = tf, None
            if tf in seen:
                key, alias_of = tf + "_alias_" + norm(tok.split(":")[2]), tf
            seen[tf] = tok
            d = dump[kind].get(key) or dump[kind][tf]
            ctx["tf"] = tf
            if check and d.get("tok") != tok:
                problems.append(f"{tf}: binary maps it to {d.get('tok')!r}, SDK token {tok}")
            name = d["fields"].get("name", {})
            if (
                check
                and kind == "resources"
                and name.get("type") == "String"
                and (name.get("optional") or name.get("required"))
                and not name.get("autoNamed")
            ):
                # The official provider calls SetAutonaming(255, "-"): a resource given no
                # name gets "<resource name>-<random>"; ours must behave the same.
                problems.append(f"{tf}: name is not auto-named (SetAutonaming missing)")
            ov = fields_for(
                d["fields"], sdk[sdk_kind][tok]["props"], sdk["types"], tok, problems, check, ctx
            )
            e = {"tok": tok}
            if alias_of:
                e["aliasOf"] = alias_of
            if ov:
                e["fields"] = ov
            out[kind][key] = e
    unmapped = sorted(set(dump["resources"]) - set(out["resources"])) + sorted(
        set(dump["dataSources"]) - set(out["dataSources"])
    )
    if check:
        for kind in ("resources", "dataSources"):
            for tf, e in sorted(dump[kind].items()):
                if e.get("tok") and tf not in out[kind]:
                    problems.append(f"{tf}: mapped in the binary but not derived from the SDK")
    print(
        f"mapped: {len(out['resources'])} resources, {len(out['dataSources'])} data sources; "
        f"{len(ctx['tf_only'])} TF-only fields; "
        f"Terraform names without an SDK token: {' '.join(unmapped) or '-'}",
        file=sys.stderr,
    )
    for f in ctx["tf_only"]:
        print(
            "note: Terraform field without SDK property (not settable from Python): " + f,
            file=sys.stderr,
        )
    for p in problems:
        print("PROBLEM: " + p, file=sys.stderr)
    if check:
        sys.exit(1 if problems else 0)
    json.dump(out, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
