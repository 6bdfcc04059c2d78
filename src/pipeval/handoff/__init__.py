"""Session handoffs: git facts (`git.py`) and the template's input (`document.py`)."""
