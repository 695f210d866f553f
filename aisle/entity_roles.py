"""Entity roles the NLU sets and the dialogue reads (Rasa venv and app venv alike)."""

#: A kind, colour or material named inside a reference to a shown product ("the blue drill"):
#: reported by the NLU, never a search constraint (bot/components/mention_kind.py).
MENTIONED = "mentioned"
