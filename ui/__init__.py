"""The web chat (Gradio): `python -m ui --add seeds/` serves it at http://127.0.0.1:7860."""

from rag.offline import go_offline

go_offline()  # before any module here imports Gradio, which reads its telemetry switches then
