"""Security tests: perimeters, uploads, jobs killed mid-work, and the attack suite (marker `attaque`:
test_attaques.py, its world in monde.py)."""
