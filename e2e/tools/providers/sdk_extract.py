#!/usr/bin/env python3
"""Extract type tokens and wire property names from an installed Pulumi
Python SDK package (e.g. pulumi_openstack), by reading its source with ast.

Output (JSON on stdout):
  {"config": {wire: prop},                  # provider configuration
   "resources": {tok: {"props": {wire: prop}}},
   "functions": {tok: {"props": {wire: prop}}},
   "types": {"module/ClassName": {wire: prop}}}   # nested input/output types
  prop = {"seq": bool, "map": bool, "type": "module/ClassName"|null}
Usage: sdk_extract.py PACKAGE_DIR
"""

import ast
import json
import os
import re
import sys

NESTED = re.compile(r"['\"](?:outputs\.|_inputs\.)?([A-Z][A-Za-z0-9]*?)(?:Args)?['\"]")


def getter_name(fn):
    for d in fn.decorator_list:
        if isinstance(d, ast.Attribute) and d.attr == "getter":
            return fn.name
        if isinstance(d, ast.Call) and getattr(d.func, "attr", "") == "getter":
            for kw in d.keywords:
                if kw.arg == "name":
                    return kw.value.value
            return fn.name
    return None


def prop_of(ann, mod):
    s = ast.unparse(ann) if ann is not None else ""
    m = NESTED.search(s)
    return {
        "seq": "Sequence[" in s or "List[" in s,
        "map": "Mapping[" in s,
        "type": f"{mod}/{m.group(1)}" if m else None,
    }


def class_props(cls, mod):
    props = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef):
            w = getter_name(node)
            if w and w not in props:
                props[w] = prop_of(node.returns, mod)
    return props


def main(root):
    out = {"config": {}, "resources": {}, "functions": {}, "types": {}}
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".py"):
                continue
            path = os.path.join(dirpath, f)
            with open(path) as source:
                src = source.read()
            tree = ast.parse(src)
            classes = {c.name: c for c in tree.body if isinstance(c, ast.ClassDef)}
            mod = os.path.relpath(dirpath, root).replace(os.sep, "/")  # "." for the top level
            if f in ("_inputs.py", "outputs.py"):
                for name, c in classes.items():
                    base = name[:-4] if name.endswith("Args") else name
                    if base.endswith("Dict"):
                        continue
                    out["types"].setdefault(mod + "/" + base, {}).update(class_props(c, mod))
                continue
            for name in classes:
                m = re.search(rf"super\({name}, __self__\).__init__\(\s*'([^']+)'", src)
                if name == "Provider" and f == "provider.py" and "ProviderArgs" in classes:
                    out["config"] = class_props(classes["ProviderArgs"], mod)
                elif m:
                    props = {}
                    for cand in (name + "Args", "_" + name + "State", name):
                        if cand in classes:
                            props.update(class_props(classes[cand], mod))
                    out["resources"][m.group(1)] = {
                        "props": props,
                        "file": os.path.relpath(path, root),
                    }
            # Parameter annotations of the get_* functions: the shape of each invoke argument.
            annotations = {
                arg.arg: arg.annotation
                for fn in tree.body
                if isinstance(fn, ast.FunctionDef)
                for arg in fn.args.args + fn.args.kwonlyargs
            }
            for m in re.finditer(
                r"invoke(?:_output)?\('([^']+)', __args__, opts=opts, typ=(\w+)", src
            ):
                tok, res = m.groups()
                args = dict(re.findall(r"__args__\['(\w+)'\] = (\w+)", src))
                props = {w: prop_of(annotations.get(param), mod) for w, param in args.items()}
                if res in classes:
                    props.update(class_props(classes[res], mod))
                out["functions"][tok] = {
                    "props": props,
                    "file": os.path.relpath(path, root),
                    "args": sorted(args),
                }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
