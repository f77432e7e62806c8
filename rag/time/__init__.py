"""News time: publication dates (`dates`)."""
