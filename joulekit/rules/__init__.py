"""Rule packs per round (YAML validated by a JSON Schema), their loader and explain texts."""
