"""IoT pages under /iot/, one module per concept; ``devices`` also holds what every page shares.
``iot/urls.py`` names them.
"""
