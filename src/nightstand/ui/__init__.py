"""The Textual UI: draws what the core computes and turns keys into core calls."""
