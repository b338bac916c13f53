"""The layers are checked by a tool, not hoped for: the contracts in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_domains_import_downward_only_and_never_each_others_views():
    result = subprocess.run([Path(sys.executable).with_name("lint-imports"), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_a_leaf_module_loads_nothing_of_the_web():
    code = ("import sys, fund.review.scoring; "
            "print(' '.join(m for m in sys.modules if m.startswith('fund.')))")
    loaded = set(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.split())
    # the package itself holds the app factory, which imports only the extensions
    assert loaded == {"fund.extensions", "fund.review", "fund.review.scoring"}
