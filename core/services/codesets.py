"""Code sets (placeholder, being written)."""


def load_builtin(store) -> dict[str, int]:
    return {}
