"""Reading the YAML files people write by hand (capacity, thresholds, training recipes, policy.yaml).

One reader, so that every such file that cannot be read — a folder, a file that is not UTF-8
text, broken YAML — is a ``ValueError`` naming the file, never a traceback or a message that
does not say which file.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def read_yaml(path: str | Path) -> object:
    """The file's YAML document (None when empty); ``ValueError`` naming the file when it cannot be read."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except IsADirectoryError:
        raise ValueError(f"{path.name}: is a folder, not a YAML file") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not valid YAML: {exc}") from None
