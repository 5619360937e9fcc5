"""The README's Python example runs as written (from the workspace's root, as the README
says), so it stays true."""

import os
import re

from conftest import WORKSPACE


def readme_python_blocks():
    readme = (WORKSPACE / "README.md").read_text()
    section = readme.split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_python_example(tmp_path, monkeypatch):
    blocks = readme_python_blocks()
    assert blocks, "the README's Python section has no example"
    # A scratch folder standing for the workspace root: the assets, and room for outputs.
    os.symlink(WORKSPACE / "assets", tmp_path / "assets")
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        # As a script runs: the Dask example starts its cluster under `__main__`.
        exec(compile(block, "README.md", "exec"), {"__name__": "__main__"})
    assert (tmp_path / "corner.png").is_file()
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [
        "card-small.png",
        "testcard.jpg",
        "testcard16.jpg",
    ]
