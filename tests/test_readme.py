"""The README's Python example runs as written and saves a real MP4."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.harness import probe_video

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_client_example_runs(tmp_path: Path) -> None:
    [example] = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "agent: I'll generate" in result.stdout
    assert probe_video(tmp_path / "city.mp4")[1] == "640x360"
