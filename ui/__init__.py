"""The web chat (Gradio). Not built yet: `make chat` runs the terminal chat until it is."""
