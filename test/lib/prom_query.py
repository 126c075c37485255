#!/usr/bin/python3
"""test/lib/prom_query.py - read a Prometheus text exposition with Debian's
python3-prometheus-client (the parser a real scraper uses) and print the value of each
SERIES asked for, one a line: 0 for a series that is absent. Exits 1, saying why, when the
text does not parse or a family lacks its HELP/TYPE.

    prom_query.py FILE 'name' 'name{label="value",...}' ...
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def parse_series(text):
    """'name{a="b",c="d"}' -> (name, {a: b, c: d}); values hold no ',', '"' or '}'."""
    if "{" not in text:
        return text, {}
    name, rest = text.split("{", 1)
    labels = {}
    for item in rest.rstrip("}").split(","):
        if item:
            key, value = item.split("=", 1)
            labels[key] = value.strip('"')
    return name, labels


def main(argv):
    with open(argv[1], encoding="utf-8") as f:
        text = f.read()
    samples = {}
    try:
        for family in text_string_to_metric_families(text):
            if not family.documentation or family.type == "unknown":
                sys.exit(f"prom_query: family {family.name} has no HELP or TYPE")
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    except ValueError as e:
        sys.exit(f"prom_query: does not parse: {e}")
    for series in argv[2:]:
        name, labels = parse_series(series)
        value = samples.get((name, tuple(sorted(labels.items()))), 0)
        print(int(value) if float(value).is_integer() else value)


if __name__ == "__main__":
    main(sys.argv)
