"""Pages of grid governance under /cases/ (staff) and /report/ (residents), one module per
concept; ``common`` holds what every page shares. ``cases/urls.py`` names them.
"""
