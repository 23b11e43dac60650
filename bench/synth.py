"""A deterministic synthetic catalog at the scale of a large organisation.

For N alerts: one service per 20 alerts, each with its team, escalation policy, four flags
(a kill switch, a release share, two ops flags), its 20 alerts (warning and critical
levels, a runbook with diagnosis and mitigation steps), two incident scenarios and one
rollout with three phases; plus one shared policy file. Text lengths follow the example
handbook's. The same N and seed always give byte-identical files.

    python bench/synth.py 1000 /tmp/catalog      # writes /tmp/catalog/ops/*.yaml
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

ALERTS_PER_SERVICE = 20

_WORDS = [
    "request",
    "latency",
    "error",
    "budget",
    "queue",
    "consumer",
    "partition",
    "replica",
    "database",
    "pool",
    "connection",
    "cache",
    "hit",
    "ratio",
    "upstream",
    "gateway",
    "timeout",
    "retry",
    "worker",
    "memory",
    "heap",
    "scheduler",
    "batch",
    "export",
    "import",
    "checkout",
    "payment",
    "search",
    "index",
    "shard",
    "token",
    "session",
    "login",
    "webhook",
    "delivery",
    "throughput",
    "saturation",
    "disk",
    "node",
    "pod",
    "deployment",
    "canary",
]

POLICY = """\
apiVersion: opsbook/v1
severities:
  - {id: critical, rank: 1, pages: true, meaning: Customers are hurt now; act at once.}
  - {id: warning, rank: 2, meaning: Degraded; look within working hours.}
  - id: SEV-1
    rank: 1
    pages: true
    meaning: Full outage or data loss for many customers.
    response_time: 5m
    update_every: 30m
  - id: SEV-2
    rank: 2
    pages: true
    meaning: Major degradation of a core journey.
    response_time: 15m
    update_every: 1h
"""


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def service_file(rng: random.Random, index: int, alerts: int) -> str:
    """One service with everything that belongs to it, as YAML text."""
    s = f"svc{index:04d}"
    team = f"team{index:04d}"
    out = [
        "apiVersion: opsbook/v1",
        f"service: {s}",
        "teams:",
        f"  - id: {team}",
        f"    name: Team {index}",
        f"    channels: [{{pagerduty: {team}-oncall}}, {{slack: '#{team}'}}]",
        "escalations:",
        f"  - id: {s}-oncall",
        f"    name: {s} on-call",
        "    levels:",
        f"      - {{name: Primary on-call, team: {team}, after: '0'}}",
        f"      - {{name: Secondary on-call, team: {team}, after: 15m}}",
        f"      - {{name: Engineering manager, contact: [{{email: {team}-lead@example.com}}], after: 30m}}",
        "services:",
        f"  - id: {s}",
        f"    name: Service {index}",
        f"    summary: {sentence(rng, 14)}",
        f"    owner: {team}",
        f"    escalation: {s}-oncall",
        "    tier: 2",
        "    links:",
        f"      - {{title: Dashboard, url: 'https://grafana.example.com/d/{s}', kind: dashboard}}",
        f"      - {{title: Logs, url: 'https://logs.example.com/{s}', kind: logs}}",
        "    slos:",
        "      - id: availability",
        "        name: Availability",
        "        objective: {metric: successful requests, operator: '>=', threshold: 99.9, unit: '%'}",
        "flags:",
        f"  - id: {s.upper()}_ENABLED",
        "    type: boolean",
        "    purpose: kill-switch",
        f"    description: {sentence(rng, 10)}",
        "    default: true",
        f"    when_off: {sentence(rng, 12)}",
        "    kill: {value: false}",
        f"    change: {{command: 'kubectl -n {s} set env deploy/{s} {s.upper()}_ENABLED={{value}}'}}",
        f"  - id: {s.upper()}_NEW_PATH",
        "    type: percentage",
        "    purpose: release",
        f"    description: {sentence(rng, 10)}",
        "    default: 0",
        f"    change: {{command: 'flagctl set {s}.new_path {{value}}'}}",
    ]
    for n in (1, 2):
        out += [
            f"  - id: {s.upper()}_TUNING_{n}",
            "    type: number",
            "    purpose: ops",
            "    suppress: [unused-flag]",
            f"    description: {sentence(rng, 9)}",
            f"    default: {rng.randint(1, 50)}",
        ]
    out.append("alerts:")
    for a in range(alerts):
        metric = f"{s}_{rng.choice(_WORDS)}_{a}"
        warn, crit = rng.randint(5, 40), rng.randint(50, 95)
        out += [
            f"  - id: {s.capitalize()}Alert{a:02d}",
            f"    summary: {sentence(rng, 12)}",
            "    levels:",
            "      - severity: warning",
            f"        condition: {{expr: 'sum(rate({metric}_total[5m])) > {warn}', for: 10m}}",
            f"        notify: [{{slack: '#{team}'}}]",
            "      - severity: critical",
            f"        condition: {{expr: 'sum(rate({metric}_total[5m])) > {crit}', for: 5m}}",
            f"        notify: [{{pagerduty: {team}-oncall}}, {{slack: '#{team}'}}]",
            "    runbook:",
            f"      meaning: {sentence(rng, 18)}",
            f"      impact: {sentence(rng, 14)}",
            f"      first_step: {sentence(rng, 10)}",
            "      diagnosis:",
            f"        - run: kubectl -n {s} logs deploy/{s} --since=15m | grep -i {rng.choice(_WORDS)}",
            f"          expect: {sentence(rng, 10)}",
            f"        - {sentence(rng, 16)}",
            f"        - {sentence(rng, 12)}",
            "      mitigation:",
            f"        - {sentence(rng, 14)}",
            f"        - do: {sentence(rng, 8)}",
            f"          set_flag: {{flag: {s.upper()}_ENABLED, value: false}}",
            f"      escalation: {{policy: {s}-oncall, after: 15m}}",
        ]
    out.append("incidents:")
    for n, severity in ((1, "SEV-1"), (2, "SEV-2")):
        out += [
            f"  - id: {s}-incident-{n}",
            f"    title: {sentence(rng, 6)[:-1]}",
            f"    severity: {severity}",
            f"    symptoms: ['{sentence(rng, 8)}', '{sentence(rng, 8)}']",
            f"    detected_by: [{s.capitalize()}Alert{n - 1:02d}]",
            f"    impact: {sentence(rng, 14)}",
            f"    diagnosis: ['{sentence(rng, 12)}']",
            f"    resolution: ['{sentence(rng, 12)}']",
            f"    flags: [{{flag: {s.upper()}_ENABLED, value: false}}]",
            f"    escalation: {s}-oncall",
            "    communication:",
            "      initial: '{title}: we are investigating since {start_time}.'",
            "      update: 'Still working on {title}; next update in {update_every}.'",
            "      resolved: '{title} is resolved since {end_time}.'",
        ]
    out += [
        "rollouts:",
        f"  - id: {s}-new-path",
        f"    name: New path for service {index}",
        f"    flag: {s.upper()}_NEW_PATH",
        "    strategy: percentage",
        f"    prerequisites: ['{sentence(rng, 6)}', '{sentence(rng, 6)}']",
        "    phases:",
    ]
    for p, share in enumerate((5, 25, 100)):
        out += [
            f"      - id: p{p}",
            f"        name: {share}% of traffic",
            f"        traffic: {share}",
            f"        flag_value: {share}",
            "        soak: 24h",
            f"        gates: [{{check: Error rate normal, slo: {s}/availability}}]",
            "        approvals: [Service owner]",
        ]
    out += [
        "    rollback:",
        f"      triggers: [{{description: Critical alert fires, alert: {s.capitalize()}Alert00}}]",
        f"      procedure: [{{set_flag: {{flag: {s.upper()}_NEW_PATH, value: 0}}}}]",
        "      target_time: 5m",
    ]
    return "\n".join(out) + "\n"


def write_catalog(root: Path, alerts: int, seed: int = 1) -> list[Path]:
    """Write `root/ops/` for `alerts` alerts (rounded up to whole services)."""
    rng = random.Random(seed)
    ops = root / "ops"
    ops.mkdir(parents=True, exist_ok=True)
    files = [ops / "policy.yaml"]
    files[0].write_text(POLICY, "utf-8")
    services = max(1, -(-alerts // ALERTS_PER_SERVICE))
    for index in range(services):
        count = min(ALERTS_PER_SERVICE, alerts - index * ALERTS_PER_SERVICE)
        path = ops / f"svc{index:04d}.yaml"
        path.write_text(service_file(rng, index, max(count, 1)), "utf-8")
        files.append(path)
    return files


if __name__ == "__main__":
    written = write_catalog(Path(sys.argv[2]), int(sys.argv[1]))
    print(f"wrote {len(written)} files under {sys.argv[2]}/ops")


RULES_PER_GROUP = 20


def write_rules(path: Path, rules: int, seed: int = 7) -> Path:
    """A Prometheus rule file of `rules` alerting rules in groups of 20, shaped like
    public rule sets: most alerts one rule, one in four a warning and a critical rule of
    one name, Go-template annotations, some `runbook_url`s, a recording rule per group."""
    rng = random.Random(seed)
    lines = ["groups:"]
    written = 0
    group = 0
    while written < rules:
        lines += [f"  - name: group{group:04d}", "    rules:"]
        lines += [f"      - record: job:group{group:04d}_requests:rate5m",
                  "        expr: sum by (job) (rate(http_requests_total[5m]))"]  # fmt: skip
        for index in range(RULES_PER_GROUP // 2):
            if written >= rules:
                break
            name = f"Group{group:04d}{rng.choice(_WORDS).title()}{index:02d}"
            metric = f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}_total"
            levels = [("warning", 5)] if index % 4 else [("warning", 5), ("critical", 10)]
            for severity, threshold in levels[: rules - written]:
                lines += [
                    f"      - alert: {name}",
                    f'        expr: sum by (instance) (rate({metric}{{job="svc{group}"}}[5m])) '
                    f"> {threshold}",
                    f"        for: {rng.choice(['1m', '5m', '15m'])}",
                    "        labels:",
                    f"          severity: {severity}",
                    "        annotations:",
                    f"          summary: '{metric} is high on {{{{ $labels.instance }}}}.'",
                    f"          description: '{metric} is {{{{ $value | humanize }}}} a second, "
                    f"above {threshold}.'",
                ]
                if index % 3 == 0:
                    lines.append(f"          runbook_url: https://wiki.example.com/{name.lower()}")
                written += 1
        group += 1
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
