"""Face pipeline: model packs, engine, quality checks, the 640x480 crop, duplicate search."""
