#!/usr/bin/python3
"""Prints the openspf RFC 7208 test suite (a multi-document YAML file) as one JSON array.

The C++ runner (spf_suite_test.cpp) reads JSON with nlohmann-json; YAML has no Debian C++
library among our dependencies, so this converts at test time with python3-yaml.

  spf_suite_to_json.py FILE.yml
"""
import json
import sys

import yaml


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        documents = [d for d in yaml.safe_load_all(f) if d]
    json.dump(documents, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
